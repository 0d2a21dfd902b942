"""Shebao Flow's generic persistent BPMN engine. Knows nothing of social insurance or of Flask."""
