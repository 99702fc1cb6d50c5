"""The 待办 inbox page."""
