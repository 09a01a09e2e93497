"""Rule-based event tagging: text in, ``core.records.Event`` out. No I/O except loading rule files."""
