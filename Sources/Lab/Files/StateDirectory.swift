import Foundation

/// Where vaelab keeps state between sessions (history, lesson progress):
/// `$XDG_STATE_HOME/vaelab`, else `~/.local/state/vaelab` (the XDG Base
/// Directory Specification's default).
public enum StateDirectory {
  public static func path(environment: [String: String]) -> String {
    let state =
      environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
      ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local/state")
    return state + "/vaelab"
  }
}
