#!/bin/sh
# Run the unit test binaries DIR/test_SUITE, one after the other, and report.
#
#   usage: run-suites.sh DIR SUITE...
#
# Each suite's full output goes to DIR/SUITE.log. For each suite one line is printed, plus its
# failures if it has any; at the end comes a single line in Check's own summary format that adds
# up every suite (the matrix runner reads that line):
#   100%: Checks: 57, Failures: 0, Errors: 0
# A suite that dies before Check prints its summary counts as one error.
# Exit status: 0 if every check of every suite passed, 1 otherwise.

dir=$1
shift

summary_re='^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+$'
checks=0 failures=0 errors=0 status=0

for suite in "$@"; do
	log=$dir/$suite.log
	"$dir/test_$suite" >"$log" 2>&1
	rc=$?
	line=$(grep -E "$summary_re" "$log" | tail -n 1)

	if [ -z "$line" ]; then
		echo "  UNIT    $suite: died before its summary (exit status $rc); last lines of $log:"
		tail -n 20 "$log" | sed 's/^/    /'
		checks=$((checks + 1))
		errors=$((errors + 1))
		status=1
		continue
	fi

	# "100%: Checks: 57, Failures: 0, Errors: 0" -> "57 0 0"
	set -- $(echo "$line" | sed -E 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)$/\1 \2 \3/')
	checks=$((checks + $1))
	failures=$((failures + $2))
	errors=$((errors + $3))
	echo "  UNIT    $suite: $1 checks, $2 failures, $3 errors"

	if [ "$2" -ne 0 ] || [ "$3" -ne 0 ] || [ "$rc" -ne 0 ]; then
		# Everything but Check's banner and summary: the failure lines, sanitizer reports.
		grep -Ev "$summary_re|^Running suite" "$log" | sed 's/^/    /'
		status=1
	fi
done

# Check's percentage: 100 when nothing failed, else the passed share, rounded down.
if [ $failures -eq 0 ] && [ $errors -eq 0 ]; then
	percent=100
elif [ $checks -eq 0 ]; then
	percent=0
else
	percent=$(( (checks - failures - errors) * 100 / checks ))
fi
echo "${percent}%: Checks: $checks, Failures: $failures, Errors: $errors"
exit $status
