"""The distribution API: the client that speaks it, its manifests, tag lists and pages."""
