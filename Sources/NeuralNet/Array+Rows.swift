extension Array {
  /// The row-major matrix this array holds as a list of its rows, `width`
  /// elements each (a trailing partial row is left out). Examples, codes and
  /// decodes travel as flat arrays; figures and distances want them one by one.
  public func rows(width: Int) -> [[Element]] {
    guard width > 0 else { return [] }
    return (0..<(count / width)).map { Array(self[($0 * width)..<(($0 + 1) * width)]) }
  }
}
