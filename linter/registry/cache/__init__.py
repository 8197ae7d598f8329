"""The persistent cache: facts about tags, manifests, images, signatures; exact bodies."""
