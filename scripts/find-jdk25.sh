# Sourced by ./build and ./nbdcrypt: sets JAVA_HOME to a JDK 25 or exits with a clear message.
# The machine's default java may be older (17 here); nbdcrypt needs 25 (FFM API, release 25).
nbdcrypt_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

nbdcrypt_find_jdk25() {
  local candidate
  for candidate in "${NBDCRYPT_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 \
                   /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(nbdcrypt_java_major "$candidate")" = 25 ]; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(nbdcrypt_find_jdk25); then
  echo "error: no JDK 25 found (looked at \$NBDCRYPT_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "       Install Temurin 25 (apt package temurin-25-jdk) or point NBDCRYPT_JAVA_HOME at a JDK 25." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
