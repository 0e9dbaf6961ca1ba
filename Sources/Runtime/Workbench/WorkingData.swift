import Foundation

/// A data set as the workbench holds it: the loaded rows, how they are read (format, column
/// mapping), the template that turns them into text, and the train/test split.
public struct WorkingData: Sendable {
    /// All rows as loaded (in their current order after `shuffled`).
    public private(set) var table: DataTable
    public var format: RowFormat?
    public var mapping: ColumnMapping
    /// The template name or file as the user gave it; nil means the format's default.
    public var templateSpec: String?
    /// Rows held out by `split`; nil before a split.
    public private(set) var test: DataTable?
    /// Training rows: everything not held out.
    public private(set) var train: DataTable

    /// Loads a JSON/JSONL/CSV file and checks every row reads in its format, so a missing
    /// column is reported now with its line and key rather than at `train`.
    /// `limit` keeps only the first rows (a quick run on part of a large file).
    public static func load(_ url: URL, format: RowFormat? = nil, mapping: ColumnMapping = ColumnMapping(),
                            limit: Int? = nil) throws -> WorkingData {
        var table = try DataTable.load(url)
        if let limit { table = table.taking(limit) }
        _ = try table.examples(format: format, mapping: mapping)
        return WorkingData(table: table, format: format, mapping: mapping, templateSpec: nil, test: nil, train: table)
    }

    /// The format rows are read in: the given one, or the one the first row's columns name.
    public var detectedFormat: RowFormat? {
        format ?? table.rows.first.flatMap { RowFormat.detect(columns: mapping.apply(to: $0).keys) }
    }

    /// The rows in a seeded order (the split is cleared: shuffle before splitting).
    public func shuffled(seed: UInt64) -> WorkingData {
        var copy = self
        copy.table = table.shuffled(seed: seed)
        copy.train = copy.table
        copy.test = nil
        return copy
    }

    /// Holds out a test part of the rows (as HF `train_test_split`).
    public func split(test size: TestSplitSize, seed: UInt64) throws -> WorkingData {
        var copy = self
        (copy.train, copy.test) = try table.split(test: size, seed: seed)
        return copy
    }

    /// The template to render with; `chat` resolves to the model's chat template.
    public func template(renderer: (any ConversationRenderer)?, directory: URL? = nil) throws -> PromptTemplate {
        guard let templateSpec else {
            return PromptTemplate.defaultTemplate(for: detectedFormat ?? .text)
        }
        return try PromptTemplate.resolve(templateSpec, renderer: renderer, directory: directory)
    }

    /// The training (or test) rows tokenized as training sees them.
    public func tokenized(_ part: DataPart, model: LoadedModel, maxLength: Int,
                          loss: LossMode = .completionOnly) throws -> TokenizedDataset {
        let rows = try rows(part)
        return try rows.tokenized(format: format, mapping: mapping, template: try template(renderer: model.chatRenderer),
                                  tokenizer: model.tokenizer, options: TokenizationOptions(maxLength: maxLength, loss: loss))
    }

    /// The first `count` training rows rendered and tokenized, with each token's supervised flag.
    public func preview(count: Int, model: LoadedModel, maxLength: Int) throws -> [RowPreview] {
        let examples = try train.examples(format: format, mapping: mapping)
        let tokenizer = try ExampleTokenizer(tokenizer: model.tokenizer, options: TokenizationOptions(maxLength: maxLength))
        return try tokenizer.preview(examples, template: try template(renderer: model.chatRenderer), count: count, file: table.source)
    }

    public func rows(_ part: DataPart) throws -> DataTable {
        switch part {
        case .train: return train
        case .test:
            guard let test else { throw WorkbenchError("no test rows: split the data first (data split test=0.2)") }
            return test
        }
    }

    /// "list.jsonl: 2000 rows (alpaca), template gemma-turns, 1600 train / 400 test"
    public var summary: String {
        var text = "\(URL(fileURLWithPath: table.source).lastPathComponent): \(table.rows.count) rows"
        if let format = detectedFormat { text += " (\(format.rawValue))" }
        text += ", template \(templateSpec ?? "default")"
        if let test { text += ", \(train.rows.count) train / \(test.rows.count) test" }
        return text
    }
}

/// Which rows of a split data set.
public enum DataPart: String, Sendable, CaseIterable { case train, test }
