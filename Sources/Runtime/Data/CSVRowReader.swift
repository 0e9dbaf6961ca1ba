/// Reads CSV with a header line (RFC 4180): fields separated by commas, records by CRLF or LF,
/// quoted fields may hold commas, doubled quotes and line breaks (kept exactly, CRLF included).
/// Unquoted fields are kept as written (no trimming), as Python's `csv` module does. Blank lines
/// are skipped. Every cell becomes a `.string`.
enum CSVRowReader {
    static func rows(_ bytes: [UInt8], file: String) throws -> [DataRow] {
        var records = try records(bytes, file: file)
        guard !records.isEmpty else { return [] }
        let header = records.removeFirst()
        var seen = Set<String>()
        for (i, name) in header.fields.enumerated() {
            guard !name.isEmpty else {
                throw DataError(file: file, line: header.line, "header column \(i + 1) has no name")
            }
            guard seen.insert(name).inserted else {
                throw DataError(file: file, line: header.line, key: name, "header names column '\(name)' twice")
            }
        }
        return try records.map { record in
            guard record.fields.count == header.fields.count else {
                throw DataError(file: file, line: record.line,
                                "row has \(record.fields.count) fields, the header has \(header.fields.count)")
            }
            return DataRow(fields: zip(header.fields, record.fields).map { ($0, .string($1)) }, line: record.line)
        }
    }

    struct Record {
        var fields: [String]
        var line: Int
    }

    /// Splits the bytes into records of fields; `line` is where each record starts.
    static func records(_ bytes: [UInt8], file: String) throws -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var fieldWasQuoted = false
        var atRecordStart = true  // nothing read yet in this record: a line break here is a blank line
        var pos = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var recordLine = 1

        func lineBreakLength(at i: Int) -> Int {
            if bytes[i] == lf { return 1 }
            if bytes[i] == cr { return i + 1 < bytes.count && bytes[i + 1] == lf ? 2 : (i + 1 == bytes.count ? 1 : 0) }
            return 0
        }
        func endField() throws {
            guard let s = String(validating: field, as: UTF8.self) else {
                throw DataError(file: file, line: line, "field \(fields.count + 1) is not valid UTF-8")
            }
            fields.append(s)
            field = []
            fieldWasQuoted = false
        }

        while pos < bytes.count {
            let c = bytes[pos]
            let breakLength = lineBreakLength(at: pos)
            if c == quote && field.isEmpty && !fieldWasQuoted {
                // A quoted field runs to the quote that is not doubled; it may span lines.
                let openLine = line
                pos += 1
                while true {
                    guard pos < bytes.count else {
                        throw DataError(file: file, line: openLine, "quoted field opened here is never closed")
                    }
                    if bytes[pos] == quote {
                        if pos + 1 < bytes.count && bytes[pos + 1] == quote { field.append(quote); pos += 2; continue }
                        pos += 1
                        break
                    }
                    if bytes[pos] == lf { line += 1 }
                    field.append(bytes[pos])
                    pos += 1
                }
                fieldWasQuoted = true
                atRecordStart = false
                guard pos == bytes.count || bytes[pos] == comma || lineBreakLength(at: pos) > 0 else {
                    throw DataError(file: file, line: line, "expected ',' or the end of the line after a closing quote")
                }
            } else if c == comma {
                try endField()
                atRecordStart = false
                pos += 1
            } else if breakLength > 0 {
                if !atRecordStart {
                    try endField()
                    records.append(Record(fields: fields, line: recordLine))
                }
                fields = []
                atRecordStart = true
                pos += breakLength
                line += 1
                recordLine = line
            } else {
                field.append(c)
                atRecordStart = false
                pos += 1
            }
        }
        if !atRecordStart {
            try endField()
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }
}
