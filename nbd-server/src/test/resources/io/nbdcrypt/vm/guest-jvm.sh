# Sourced first by the guest scripts that run our jar with NBDCRYPT (the host's java command
# line up to the jar's arguments). Under TCG the guest's JVM now and then dies of SIGSEGV in
# code it has just compiled (about one start in fifteen, never on a host CPU; the report names a
# JDK method, e.g. ZipFile.zipCoderFor, at its first instruction). Such a run (exit 134 with an
# hs_err report, or 139 when the JVM died of SIGSEGV before writing one) is run once more; the
# crash is never hidden: each one is kept in /tmp/jvm-crashes.txt, and report_jvm_crashes
# prints them and a count for the host test.
nbdcrypt() {
  _rc=0
  $NBDCRYPT "$@" || _rc=$?
  if jvm_crashed "$_rc" "nbdcrypt $*"; then
    _rc=0
    $NBDCRYPT "$@" || _rc=$?
  fi
  return "$_rc"
}
# nbdcrypt_daemon OUT ARGS...: nbdcrypt for a provision run in the background, its stdout to
# OUT. It is run once more only if it crashed before it printed its "provisioned" line: after
# that the script was using its device, and a second provision beside that state only races
# the clean-up (provision-guest.sh's run_scenario retries the whole scenario instead).
nbdcrypt_daemon() {
  _out=$1; shift
  _rc=0
  $NBDCRYPT "$@" > "$_out" || _rc=$?
  if jvm_crashed "$_rc" "nbdcrypt $*" && ! grep -q '"provisioned"' "$_out"; then
    _rc=0
    $NBDCRYPT "$@" > "$_out" || _rc=$?
  fi
  return "$_rc"
}
# jvm_crashed RC WHAT: whether a run that exited RC was the crash, which it then records: 134
# with an hs_err report, or 139 (killed by SIGSEGV before HotSpot's handler could write one,
# seen once in the ioctl scenario's provision), counted without a report.
jvm_crashed() {
  if [ "$1" = 134 ] && ls /tmp/hs_err_pid*.log > /dev/null 2>&1; then
    record_jvm_crashes "$2"
    return 0
  elif [ "$1" = 139 ]; then
    echo "--- JVM crash in: $2 (SIGSEGV, exit 139, no hs_err report)" >> /tmp/jvm-crashes.txt
    return 0
  fi
  return 1
}
# record_jvm_crashes WHAT: the new hs_err reports go to /tmp/jvm-crashes.txt, each once.
record_jvm_crashes() {
  for _f in /tmp/hs_err_pid*.log; do
    [ -f "$_f" ] || continue
    { echo "--- JVM crash in: $1"; grep -m1 -A1 'SIGSEGV\|SIGILL\|SIGBUS\|Internal Error' "$_f" || true
      grep -m1 -A1 'Problematic frame' "$_f" || true
      grep -m1 -A1 '^Current thread' "$_f" || true; grep -m1 '^siginfo' "$_f" || true; } >> /tmp/jvm-crashes.txt
    mv "$_f" "$_f.seen" 2> /dev/null || true   # a concurrent run may have taken it
  done
}
# jvm_crash_evidence: how many JVMs have crashed so far: the hs_err reports they left, recorded
# or not, and the SIGSEGV deaths without one.
jvm_crash_evidence() {
  _r=$(ls /tmp/hs_err_pid*.log /tmp/hs_err_pid*.log.seen 2> /dev/null | wc -l)
  _s=$(grep -c 'exit 139, no hs_err' /tmp/jvm-crashes.txt 2> /dev/null || true)
  echo $(( _r + ${_s:-0} ))
}
# The jar in NBDCRYPT (which ends "-jar JAR"): names our JVMs for pkill -f.
NBDCRYPT_JAR=${NBDCRYPT##* -jar }
report_jvm_crashes() {
  _n=$(grep -c '^--- JVM crash' /tmp/jvm-crashes.txt 2>/dev/null || true)
  echo "RESULT jvm.crashes ${_n:-0}"
  [ ! -s /tmp/jvm-crashes.txt ] || cat /tmp/jvm-crashes.txt
}
