import Testing

extension Tag {
  /// A test that takes a minute or more (it runs the binary a hundred times or
  /// so). CI runs it with the rest; while working on something else,
  /// `swift test --skip NAME` leaves it out.
  @Tag static var slow: Self
}
