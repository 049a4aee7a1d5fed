"""HiDream Studio: chat-style image creation with HiDream-I1 and HiDream-E1, every result a version."""

__version__ = "0.1.0"
