"""Where personal data is protected: field-level sealing and tokens by contract,
and the protect stage (free-text redaction, classification check)."""
