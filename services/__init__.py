"""The four Klimaby services and the ``klimaby`` command line."""
