"""Resolution: tag to digest, existence, index children, through mirrors, asked once."""
