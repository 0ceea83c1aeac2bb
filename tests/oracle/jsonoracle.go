// jsonoracle: the differential-test oracle for src/syntax/json.rs. It reads streams and says, per
// value, what `kubectl apply -f` (kubectl 1.31, k8s.io/apimachinery and k8s.io/cli-runtime
// v0.31) does with a stream whose first non-space character is `{`.
//
// Input on stdin: one stream per line, hex-encoded (so any byte survives the pipe). Output, per
// stream, the protocol of yamloracle.go: one line per value and then `END`:
//
//	DOC\t<the value as kubectl decodes it, re-encoded as canonical JSON, Go-quoted>
//	ERR\t<error text, Go-quoted>      rejected (a syntax error ends the stream; a value that
//	                                  does not decode is rejected alone)
//	YAML                              not a JSON stream for kubectl (yamloracle.go's business)
//	END
//
// What kubectl 1.31 does, step by step (the source this reproduces):
//
//  1. cli-runtime pkg/resource/visitor.go, StreamVisitor.Visit: NewYAMLOrJSONDecoder(r, 4096),
//     then Decode into a runtime.RawExtension until io.EOF; the first error ends the stream;
//     a value that is empty or `null` after bytes.TrimSpace is skipped.
//  2. apimachinery pkg/util/yaml/decoder.go (v0.31.0), YAMLOrJSONDecoder.Decode: GuessJSONStream
//     peeks 4096 bytes, hasJSONPrefix (bytes.TrimLeftFunc(unicode.IsSpace), then `{`) picks
//     the JSON path for the whole stream, and that is the standard library's
//     encoding/json.NewDecoder: a stream of values, syntax checked by its scanner (no UTF-8
//     check; nesting capped at 10000 by scanner.go maxNestingDepth; any value may follow any
//     other, with or without whitespace between them). A *json.SyntaxError is wrapped as
//     JSONSyntaxError ("json: offset N: ..."). There is no fallback to YAML in v0.31: it came
//     with v0.33 (commit 9b3d085f "Better handling of YAML that tastes like JSON"), where a
//     stream that fails as JSON before its second value is read again as YAML.
//  3. StreamVisitor.infoForData (an error here is reported for that value and the stream goes
//     on: StreamVisitor calls fn(info, err) and continues) → the mapper's decoder, unstructured.UnstructuredJSONScheme
//     (apimachinery pkg/apis/meta/v1/unstructured/helpers.go, decode / decodeToUnstructured),
//     which unmarshals with k8s.io/apimachinery/pkg/util/json.Unmarshal, that is
//     sigs.k8s.io/json.UnmarshalCaseSensitivePreserveInts: keys are case-sensitive; a repeated
//     key keeps the last value; a number without `.` that fits int64 is an int64, any other
//     a float64, and one that overflows float64 (1e400) is an error ("json: cannot unmarshal
//     number 1e400 into Go value of type float64"); strings are unquoted by encoding/json's
//     rules (invalid UTF-8 bytes and lone surrogate escapes become U+FFFD, one per byte).
//
// The oracle stops at step 3's reading of the value (into interface{}, which is what the map of
// an Unstructured holds): what kubectl does afterwards with a value that is not an object, or an
// object without `kind`, is not reading, and yamloracle.go does not report it for YAML either.
//
// Debian ships sigs.k8s.io/json (golang-k8s-sigs-json-dev) but not k8s.io/apimachinery, so
// steps 1 and 2 are reproduced here; step 3 calls the real package.
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build (see scripts/build-json-oracle.sh).
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	kjson "sigs.k8s.io/json"
)

// rawValue is runtime.RawExtension's UnmarshalJSON: the value's bytes, nothing for `null`.
type rawValue struct{ raw []byte }

func (r *rawValue) UnmarshalJSON(in []byte) error {
	if !bytes.Equal(in, []byte("null")) {
		r.raw = append(r.raw[0:0], in...)
	}
	return nil
}

// hasJSONPrefix is apimachinery's (pkg/util/yaml/decoder.go), on GuessJSONStream's 4096 bytes.
func hasJSONPrefix(stream []byte) bool {
	peek := stream
	if len(peek) > 4096 {
		peek = peek[:4096]
	}
	return bytes.HasPrefix(bytes.TrimLeftFunc(peek, unicode.IsSpace), []byte("{"))
}

func report(out *bufio.Writer, stream []byte) {
	defer fmt.Fprintln(out, "END")
	if !hasJSONPrefix(stream) {
		fmt.Fprintln(out, "YAML")
		return
	}
	d := json.NewDecoder(bufio.NewReaderSize(bytes.NewReader(stream), 4096))
	for {
		var v rawValue
		err := d.Decode(&v)
		if err == io.EOF {
			return
		}
		if err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) {
				err = fmt.Errorf("json: offset %d: %s", syntax.Offset, syntax.Error())
			}
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote(err.Error()))
			return
		}
		raw := bytes.TrimSpace(v.raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		var value interface{}
		if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &value); err != nil {
			// This value only: StreamVisitor goes on with the next one.
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote(err.Error()))
			continue
		}
		var canonical bytes.Buffer
		enc := json.NewEncoder(&canonical)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(value); err != nil {
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote("oracle: re-encoding: "+err.Error()))
			return
		}
		fmt.Fprintf(out, "DOC\t%s\n", strconv.Quote(strings.TrimSuffix(canonical.String(), "\n")))
	}
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return
		}
		stream, decodeErr := hex.DecodeString(strings.TrimRight(line, "\n"))
		if decodeErr != nil {
			fmt.Fprintf(out, "ERR\t%s\nEND\n", strconv.Quote("oracle: bad hex: "+decodeErr.Error()))
		} else {
			report(out, stream)
		}
		out.Flush()
	}
}
