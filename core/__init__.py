"""The bottom layer every stage shares: typed settings, the user-facing errors, stored records."""
