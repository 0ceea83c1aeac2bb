// reforacle: the differential-test oracle for src/image. It reads one hex-encoded image
// reference per line on stdin (hex, so references with tabs and newlines survive the pipe) and
// prints one line per input:
//
//	OK\t<ParseNormalizedNamed(x).String()>\t<FamiliarString>
//	ERR\t<error text, Go-quoted>
//
// Debian ships docker/distribution 2.8's `reference` package, not the standalone
// distribution/reference v0.6 module the kubelet uses. The one v0.6 change that is a few lines
// of normalize.go is applied here (splitDockerDomain: a first component that is not lowercase is
// a domain); the others (IPv6 hosts, the 255 limit counting only the path) are version
// differences the Rust test allows explicitly. Pass -v2 to use the 2.8 function unchanged.
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build (see scripts/build-go-oracle.sh).
package main

import (
	"bufio"
	_ "crypto/sha256" // registers sha256 with go-digest; without it every digest is rejected
	_ "crypto/sha512" // registers sha384 and sha512
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/docker/distribution/reference"
)

var anchoredIdentifier = func(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// splitDockerDomainV06 is distribution/reference v0.6 normalize.go splitDockerDomain.
func splitDockerDomainV06(name string) (domain, remainder string) {
	i := strings.IndexRune(name, '/')
	if i == -1 || (!strings.ContainsAny(name[:i], ".:") && name[:i] != "localhost" && strings.ToLower(name[:i]) == name[:i]) {
		domain, remainder = "docker.io", name
	} else {
		domain, remainder = name[:i], name[i+1:]
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.ContainsRune(remainder, '/') {
		remainder = "library/" + remainder
	}
	return
}

// parseNormalizedNamedV06 is v0.6 ParseNormalizedNamed on top of the 2.8 Parse.
func parseNormalizedNamedV06(s string) (reference.Named, error) {
	if anchoredIdentifier(s) {
		return nil, fmt.Errorf("invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s)
	}
	domain, remainder := splitDockerDomainV06(s)
	remote := remainder
	if tagSep := strings.IndexRune(remainder, ':'); tagSep > -1 {
		remote = remainder[:tagSep]
	}
	if strings.ToLower(remote) != remote {
		return nil, fmt.Errorf("invalid reference format: repository name (%s) must be lowercase", remote)
	}
	ref, err := reference.Parse(domain + "/" + remainder)
	if err != nil {
		return nil, err
	}
	named, isNamed := ref.(reference.Named)
	if !isNamed {
		return nil, fmt.Errorf("reference %s has no name", ref.String())
	}
	return named, nil
}

func main() {
	v2 := flag.Bool("v2", false, "use docker/distribution 2.8 ParseNormalizedNamed unchanged")
	flag.Parse()
	parse := parseNormalizedNamedV06
	if *v2 {
		parse = reference.ParseNormalizedNamed
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		raw, err := hex.DecodeString(strings.TrimSpace(in.Text()))
		if err != nil {
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote("oracle: bad hex line: "+err.Error()))
			continue
		}
		named, err := parse(string(raw))
		if err != nil {
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote(err.Error()))
			continue
		}
		fmt.Fprintf(out, "OK\t%s\t%s\n", named.String(), reference.FamiliarString(named))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "reforacle:", err)
		os.Exit(1)
	}
}
