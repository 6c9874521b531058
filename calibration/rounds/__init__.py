"""Pilot and calibration rounds: quiz sampling, overlap designs, and the service the app and CLI call."""
