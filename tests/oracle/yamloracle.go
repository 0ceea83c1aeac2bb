// yamloracle: the differential-test oracle for src/syntax. It reads YAML streams and says, per
// document, what `kubectl apply -f` does with it: the document split of apimachinery's
// YAMLReader, then sigs.k8s.io/yaml.YAMLToJSON (go-yaml v2) on each document.
//
// Input on stdin: one stream per line, hex-encoded (so any byte survives the pipe). Output, per
// stream, one line per document and then `END`:
//
//	DOC\t<JSON of the document, Go-quoted>      accepted (a `null` document is skipped by kubectl)
//	ERR\t<error text, Go-quoted>                rejected (kubectl stops at the first one)
//	END
//
// Debian ships sigs.k8s.io/yaml (on gopkg.in/yaml.v2) but not k8s.io/apimachinery, so the
// splitting is reproduced here from apimachinery pkg/util/yaml/decoder.go (YAMLReader.Read and
// LineReader.Read, as of v0.35): a line starting with `---` ends the document when the rest of
// the line is blank or a `#` comment and is an error ("invalid Yaml document separator")
// otherwise; lines are read with bufio.ReadLine, which drops a `\r` before the `\n`, and every
// line gets a `\n`. Streams whose first non-space character is `{` are JSON for kubectl
// (YAMLOrJSONDecoder); the oracle reports them as `JSON` and the test leaves them out.
//
// One deviation, reported rather than hidden: when a bad separator ends a document, YAMLReader
// returns the error and drops the lines read before it. kubectl stops at that error, so that
// document is never applied either way; the oracle still decodes and reports it (before the
// ERR line) because pullcheck lints it, and the two readings of it must agree.
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build (see scripts/build-yaml-oracle.sh).
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"sigs.k8s.io/yaml"
)

const separator = "---"

// readLine is apimachinery's LineReader.Read.
func readLine(r *bufio.Reader) ([]byte, error) {
	var (
		isPrefix = true
		err      error
		line     []byte
		buffer   bytes.Buffer
	)
	for isPrefix && err == nil {
		line, isPrefix, err = r.ReadLine()
		buffer.Write(line)
	}
	buffer.WriteByte('\n')
	return buffer.Bytes(), err
}

// readDocument is apimachinery's YAMLReader.Read; on a bad separator it also returns the lines
// read before it (see above).
func readDocument(r *bufio.Reader) ([]byte, error) {
	var buffer bytes.Buffer
	for {
		line, err := readLine(r)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if bytes.Index(line, []byte(separator)) == 0 {
			trimmed := strings.TrimSpace(string(line[len(separator):]))
			if len(trimmed) > 0 && trimmed[0] != '#' {
				return buffer.Bytes(), fmt.Errorf("invalid Yaml document separator: %s", trimmed)
			}
			if buffer.Len() != 0 {
				return buffer.Bytes(), nil
			}
			if err == io.EOF {
				return nil, err
			}
		}
		if err == io.EOF {
			if buffer.Len() != 0 {
				return buffer.Bytes(), nil
			}
			return nil, err
		}
		buffer.Write(line)
	}
}

func isJSON(stream []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeftFunc(stream, unicode.IsSpace), []byte("{"))
}

func report(out *bufio.Writer, stream []byte) {
	defer fmt.Fprintln(out, "END")
	if isJSON(stream) {
		fmt.Fprintln(out, "JSON")
		return
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	for {
		doc, err := readDocument(r)
		if err == io.EOF {
			return
		}
		if err != nil {
			if len(doc) != 0 {
				decode(out, doc)
			}
			fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote(err.Error()))
			continue
		}
		decode(out, doc)
	}
}

// decode is what YAMLToJSONDecoder.Decode does with one document.
func decode(out *bufio.Writer, doc []byte) {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		fmt.Fprintf(out, "ERR\t%s\n", strconv.Quote(err.Error()))
		return
	}
	fmt.Fprintf(out, "DOC\t%s\n", strconv.Quote(string(j)))
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
		// An empty line is an empty stream: no documents, just END.
		stream, decodeErr := hex.DecodeString(strings.TrimRight(line, "\n"))
		if decodeErr != nil {
			fmt.Fprintf(out, "ERR\t%s\nEND\n", strconv.Quote("oracle: bad hex: "+decodeErr.Error()))
		} else {
			report(out, stream)
		}
		out.Flush()
	}
}
