"""The 考核排名 page: periods, formula, ranking, appeals, exports."""
