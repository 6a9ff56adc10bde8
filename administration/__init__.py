"""The kring's office work on top of the store: enrolment (form and CSV), exports, application forms."""
