/// How results are shown: with terminal colour or not, folded to a terminal's
/// width or not, and with how many decimals (`set precision=N`). Lessons, pipes
/// and saved notebooks get the session's presentation made `plain`.
public struct Presentation: Sendable, Equatable {
  public var colour = false
  /// Columns to fit tables and rows of images into; nil for no limit.
  public var width: Int? = nil
  /// Decimals of every printed number.
  public var precision = 3

  public init(colour: Bool = false, width: Int? = nil, precision: Int = 3) {
    self.colour = colour
    self.width = width
    self.precision = precision
  }

  /// No colour and no width, at the default precision.
  public static let plain = Presentation()

  /// This presentation without colour or a width: what a notebook records.
  public var plainText: Presentation { Presentation(precision: precision) }

  /// The width prose is wrapped to: the window's, else 80 columns.
  var proseWidth: Int { width ?? 80 }

  /// Text for the window: lines still wider than it (prose; tables and images
  /// fit themselves) are broken at blanks rather than wherever the window ends.
  /// Lines with colour codes are left alone, as their length is not their width.
  public func fitted(_ text: String) -> String {
    guard let width else { return text }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.count > width && !line.contains("\u{1B}") ? String(line).wrapped(to: width) : String(line)
    }.joined(separator: "\n")
  }
}
