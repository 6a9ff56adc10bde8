"""The participant portal: application forms and the pages behind personal links."""
