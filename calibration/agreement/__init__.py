"""Agreement and gold scoring: exact coefficients from sufficient statistics, breakdowns, bootstrap CIs."""
