#!/usr/bin/env bash
# What a user of the published artifacts meets, checked after bin/test (.ci/run calls this):
# installs the reactor's artifacts into the local repository, builds examples/ against them (its
# tests find the simd backend on the class path and on the module path), runs the example with
# and without the engine's JVM flags, checks that the BOM lists every public module, and that
# Maven on a JDK older than 25 stops at the enforcer's message. Ends with "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=../bin/lib/find-jdk.sh
. "$root/bin/lib/find-jdk.sh"
JAVA_HOME=$(find_jdk) || exit 1
export JAVA_HOME
user_maven_opts=${MAVEN_OPTS:-}
# As in bin/test: quiets the JDK 24+ warning about Maven's Guava calling sun.misc.Unsafe.
export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow $user_maven_opts"

passed=0
failed=0
ok() { echo "examples/check: ok: $*"; passed=$((passed + 1)); }
fail() { echo "examples/check: FAILED: $*" >&2; failed=$((failed + 1)); }
# Prints what a command wrote, indented, so that a failure shows it.
show() { sed 's/\x1b\[[0-9;]*m//g; /^$/d; s/^/    /'; }

echo   # Maven leaves its last line without a newline.
echo "examples/check: installing the reactor's artifacts (mvn install, no tests, javadoc or sources)"
if ! (cd "$root" && mvn -q -B install -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip) 2>&1 | show; then
  fail "mvn install in $root"
  echo "examples/check: $passed passed, $failed failed"
  exit 1
fi

echo "examples/check: building examples/ against them (mvn verify)"
log=$(mktemp)
if (cd "$root/examples" && mvn -B verify) > "$log" 2>&1; then
  ok "examples build, its tests pass ($(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\[(INFO|WARNING)\] Tests run:' | tail -n 1 | sed 's/^\[[A-Z]*\] //'))"
else
  show < "$log"
  fail "mvn verify in examples/"
fi
rm -f "$log"

# Output lines of the example: "BACKEND [p0, p1, ...]", plus whatever the JVM and the engine log.
run_example() {
  (cd "$root/examples" && mvn -q -B exec:exec "$@") 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

out=$(run_example)
echo "$out" | show
if grep -q '^simd \[' <<< "$out"; then
  ok "with --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED, auto runs simd"
else
  fail "with both flags the example did not report the simd backend"
fi

out=$(run_example -Dexample.jvm.flags=--enable-native-access=ALL-UNNAMED)
echo "$out" | show
if grep -q 'WARNING' <<< "$out" && grep -qF -- '--add-modules jdk.incubator.vector' <<< "$out"; then
  ok "without --add-modules jdk.incubator.vector, a WARNING names the flag"
else
  fail "without --add-modules jdk.incubator.vector, no WARNING naming '--add-modules jdk.incubator.vector'"
fi

# Every module that is deployed (no maven.deploy.skip) must be in the BOM.
missing=()
for m in $(sed -n 's#^ *<module>\(.*\)</module>#\1#p' "$root/pom.xml"); do
  [[ $m == bom ]] && continue
  grep -q '<maven.deploy.skip>true</maven.deploy.skip>' "$root/$m/pom.xml" && continue
  a=$(sed -n '/<\/parent>/,$ s#^  <artifactId>\(.*\)</artifactId>#\1#p' "$root/$m/pom.xml" | head -n 1)
  grep -q "<artifactId>$a</artifactId>" "$root/bom/pom.xml" || missing+=("$a ($m)")
done
if (( ${#missing[@]} )); then
  fail "bom/pom.xml does not manage ${missing[*]}"
else
  ok "bom/pom.xml manages every deployed module"
fi

# The enforcer's message on an older JDK (Debian's 17 here), rather than the JVM refusing an option.
old=""
for home in /usr/lib/jvm/*/; do
  home=${home%/}
  if v=$(_jdk_version "$home") && ! _version_at_least "$v" 25; then
    old=$home
    break
  fi
done
if [[ -z "$old" ]]; then
  echo "examples/check: no JDK older than 25 in /usr/lib/jvm; the enforcer check is not run"
else
  out=$(cd "$root" && JAVA_HOME=$old MAVEN_OPTS=$user_maven_opts mvn -q -B validate 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; echo "exit ${PIPESTATUS[0]}")
  if grep -q 'softmax-engine needs JDK 25.0.3 or newer' <<< "$out" && ! grep -q '^exit 0$' <<< "$out"; then
    ok "mvn validate on $old fails with the enforcer's JDK 25 message"
  else
    echo "$out" | show
    fail "mvn validate on $old did not fail with the enforcer's JDK 25 message"
  fi
fi

echo "examples/check: $passed passed, $failed failed"
(( failed == 0 ))
