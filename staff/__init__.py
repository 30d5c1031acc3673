"""Commands for clinic staff, run with `make` (see the Makefile):

- bookings.py:        list and export booking and callback requests
- report.py:          the insights report (report_data, report_metrics, report_output)
- review.py:          unanswered messages as NLU training data to correct
- purge.py:           delete what is older than the retention period
- content_review.py:  the fingerprint of the medical answers, for clinical sign-off
"""
