import Probability

/// What a command returns: a value whose fields are its JSON keys (in
/// declaration order, see `JSONValueEncoder`) and which renders itself as
/// text, so the two forms are read from one value and cannot drift apart.
public protocol CommandResult: Encodable, Sendable {
  /// The text for a presentation: plain for pipes, lessons and notebooks; a
  /// terminal may get colour and its width. A result with tables or figures
  /// is a `BlockResult`, whose text is made from its blocks.
  func text(for presentation: Presentation) -> String
  /// What it shows, part by part, for renderings other than text (HTML): by
  /// default its text, as one block.
  func blocks(for presentation: Presentation) -> [ResultBlock]
  /// Whether the front end leaves after this command (`quit`).
  var endsSession: Bool { get }
}

extension CommandResult {
  public var endsSession: Bool { false }

  public func blocks(for presentation: Presentation) -> [ResultBlock] { [.text(text(for: presentation))] }
}

/// A result made of blocks (tables, figures among its text), whose text is
/// made from them: it declares `blocks(for:)`, and its text follows.
public protocol BlockResult: CommandResult {}

extension BlockResult {
  public func text(for presentation: Presentation) -> String {
    ResultBlock.text(blocks(for: presentation), for: presentation)
  }
}

/// What a command produced: its result, rendered when it is shown, for a
/// presentation, as text, as blocks (for HTML) or as JSON.
public struct Output: Sendable {
  /// Set by `quit`: the front end leaves after this command.
  public let endsSession: Bool
  /// The text for a presentation: a terminal may get colour and folded tables.
  let render: @Sendable (Presentation) -> String
  /// The parts it shows, for HTML.
  let blocks: @Sendable (Presentation) -> [ResultBlock]
  /// The result as JSON for a presentation (whose precision `grad` certifies its values to).
  let encode: @Sendable (Presentation) throws -> JSON

  /// A result, to be rendered as it is shown.
  public init(_ result: some CommandResult) {
    endsSession = result.endsSession
    render = { result.text(for: $0) }
    blocks = { result.blocks(for: $0) }
    encode = { try JSONValueEncoder.encode(result, for: $0) }
  }

  public func text(for presentation: Presentation) -> String { render(presentation) }

  /// The result as JSON; an error names a result that cannot be written so.
  public func json(for presentation: Presentation) throws(LabError) -> JSON {
    do { return try encode(presentation) } catch {
      throw LabError("internal error: the result of this command could not be written as JSON (\(error))")
    }
  }
}

/// A Monte Carlo estimate as results show it: the mean of `n` draws and its
/// standard error.
public struct MonteCarloEstimate: Encodable, Sendable {
  public var estimate: Double
  public var stderr: Double
  public var n: Int

  init(_ moments: RunningMoments) {
    estimate = moments.mean
    stderr = moments.standardError
    n = moments.count
  }
}
