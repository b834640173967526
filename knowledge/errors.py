class KnowledgeError(ValueError):
    """The knowledge or messages file cannot be used. The message names the file, entry and problem."""
