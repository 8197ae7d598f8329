"""imagepin: pin container images in GitOps repositories to digests, and verify the pins."""

__version__ = "0.1.0"
