# Sourced by bin/softmax-engine and bin/test. find_jdk prints the home of a JDK that can build and run
# softmax-engine (25.0.3 or newer, as the enforcer in pom.xml requires), or says on stderr what is missing.
# Order: $JAVA_HOME if it qualifies, else the newest qualifying JDK among `java` on PATH and /usr/lib/jvm/*.

SOFTMAX_ENGINE_MIN_JDK=25.0.3

# The version of the JDK at $1 (e.g. 25.0.3), from its release file or else `java -version`; fails for a JRE.
_jdk_version() {
  local home=$1 v=""
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 1
  if [[ -r "$home/release" ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")
  fi
  if [[ -z "$v" ]]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')
  fi
  v=${v%%[-+_]*}
  [[ -n "$v" ]] && printf '%s\n' "$v"
}

# Whether version $1 >= version $2.
_version_at_least() {
  [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$2" ]]
}

find_jdk() {
  local home v best="" best_version="" looked=()
  if [[ -n "${JAVA_HOME:-}" ]]; then
    if v=$(_jdk_version "$JAVA_HOME") && _version_at_least "$v" "$SOFTMAX_ENGINE_MIN_JDK"; then
      printf '%s\n' "$JAVA_HOME"
      return 0
    fi
    looked+=("JAVA_HOME=$JAVA_HOME: ${v:-not a JDK (no bin/java and bin/javac)}")
  fi
  local candidates=()
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for home in /usr/lib/jvm/*/; do
    [[ -d "$home" ]] && candidates+=("${home%/}")
  done
  local -A seen=()
  for home in "${candidates[@]}"; do
    home=$(readlink -f "$home")
    [[ -z "${seen[$home]:-}" ]] || continue
    seen[$home]=1
    if ! v=$(_jdk_version "$home"); then
      looked+=("$home: not a JDK (no bin/java and bin/javac)")
    elif ! _version_at_least "$v" "$SOFTMAX_ENGINE_MIN_JDK"; then
      looked+=("$home: $v")
    elif [[ -z "$best" ]] || ! _version_at_least "$best_version" "$v"; then
      best=$home
      best_version=$v
    fi
  done
  if [[ -n "$best" ]]; then
    printf '%s\n' "$best"
    return 0
  fi
  {
    echo "softmax-engine: no JDK $SOFTMAX_ENGINE_MIN_JDK or newer found; it needs JDK 25 (Temurin 25.0.3+)."
    if (( ${#looked[@]} )); then
      echo "Looked at:"
      printf '  %s\n' "${looked[@]}"
    else
      echo "Looked at JAVA_HOME, java on PATH and /usr/lib/jvm/*: none found."
    fi
    echo "Install Temurin 25 (Debian package temurin-25-jdk from the Adoptium apt repository, into /usr/lib/jvm),"
    echo "or point JAVA_HOME at a JDK 25.0.3+."
  } >&2
  return 1
}
