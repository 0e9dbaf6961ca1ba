import Foundation

/// The layouts a data file can have.
public enum DataFileKind: String, Sendable, CaseIterable {
    /// One JSON array of objects (a `.json` file that starts with `{` is read as JSON Lines, as HF
    /// `load_dataset("json")` does).
    case json
    /// One JSON object per line; blank lines are skipped.
    case jsonl
    /// Comma-separated values with a header line (RFC 4180).
    case csv

    /// The kind named by a path's extension (`.json`, `.jsonl`/`.ndjson`, `.csv`), or nil.
    public init?(pathExtension ext: String) {
        switch ext.lowercased() {
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        case "csv": self = .csv
        default: return nil
        }
    }
}

/// The rows of one data file, in file order, each remembering its line.
public struct DataTable: Sendable, Equatable {
    /// Where the rows came from (the path as given), used in every error message.
    public var source: String
    public var rows: [DataRow]

    public init(source: String, rows: [DataRow]) {
        self.source = source
        self.rows = rows
    }

    /// Reads a data file; the layout comes from `kind` or else the file's extension.
    /// Throws `DataError` naming the file and line for unreadable files, syntax errors, rows that
    /// are not objects, and a file with no rows.
    public static func load(_ url: URL, kind: DataFileKind? = nil) throws -> DataTable {
        let name = url.path
        guard let kind = kind ?? DataFileKind(pathExtension: url.pathExtension) else {
            throw DataError(file: name, "unknown data file extension '.\(url.pathExtension)': expected .json, .jsonl or .csv")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataError(file: name, "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(bytes, kind: kind, source: name)
    }

    /// Parses the bytes of a data file of the given kind (see `load`).
    public static func parse(_ bytes: [UInt8], kind: DataFileKind, source: String) throws -> DataTable {
        let rows: [DataRow]
        switch kind {
        case .json:
            let first = bytes.dropFirst(bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)
                .first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            rows = first == UInt8(ascii: "{")
                ? try JSONRowReader.rowsOfLines(bytes, file: source)
                : try JSONRowReader.rowsOfArray(bytes, file: source)
        case .jsonl:
            rows = try JSONRowReader.rowsOfLines(bytes, file: source)
        case .csv:
            rows = try CSVRowReader.rows(bytes, file: source)
        }
        guard !rows.isEmpty else { throw DataError(file: source, "the data set is empty: no rows") }
        return DataTable(source: source, rows: rows)
    }
}
