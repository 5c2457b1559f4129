/// How text is shown: with terminal colour or not, and folded to a terminal's
/// width or not. Lessons, pipes and saved notebooks get `plain`.
public struct Presentation: Sendable, Equatable {
  public var colour = false
  /// Columns to fit tables and rows of images into; nil for no limit.
  public var width: Int? = nil

  public init(colour: Bool = false, width: Int? = nil) {
    self.colour = colour
    self.width = width
  }

  public static let plain = Presentation()

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
