"""The export channel: the Excel file a school or Sở uploads to CSDL ngành by hand (DESIGN §5)."""
