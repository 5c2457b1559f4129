import Foundation

/// Tab completion, derived from the command specs: command names, subcommands,
/// argument names (`mu=`), choice values (`format=json`), command names after
/// `help`, and file paths for path arguments. Pure apart from listing a directory.
public enum Completion {
  /// Replacements for the word being typed at the end of `line`, the text
  /// before the cursor. Each candidate replaces the whole word.
  public static func candidates(for line: String, commands: [CommandSpec]) -> [String] {
    let (tokens, endsInBlank) = Tokenizer.partialTokens(line)
    var words = tokens.map(\.text)
    let current = endsInBlank ? "" : (words.popLast() ?? "")
    guard let first = words.first else { return matching(commands.map(\.name), current) }
    guard var spec = Engine.find(first, in: commands) else { return [] }
    var rest = words.dropFirst()
    if !spec.subcommands.isEmpty {
      if let name = rest.first, let subcommand = spec.subcommand(named: name) {
        spec = subcommand
        rest = rest.dropFirst()
      } else if rest.isEmpty {
        let subcommands = matching(spec.subcommands.map(\.name), current)
        guard spec.runs else { return subcommands }
        return subcommands + ownCandidates(spec, rest: rest, current: current, commands: commands)
      } else if !spec.runs {
        return []
      }
    }
    return ownCandidates(spec, rest: rest, current: current, commands: commands)
  }

  /// Argument names and values of `spec`, given the words already typed.
  static func ownCandidates(
    _ spec: CommandSpec, rest: ArraySlice<String>, current: String, commands: [CommandSpec]
  ) -> [String] {
    var arguments = spec.arguments
    if spec.argument(named: Engine.formatArgument.name) == nil { arguments.append(Engine.formatArgument) }

    if let (name, prefix) = ArgumentBinder.splitNamed(current) {
      guard let argument = arguments.first(where: { $0.name == name }) else { return [] }
      return values(of: argument.kind, prefix: prefix, commands: commands).map { "\(name)=\($0)" }
    }
    // Names already given, by name or by position, are not offered again.
    let named = Set(rest.compactMap { ArgumentBinder.splitNamed($0)?.0 })
    let positionalCount = rest.filter { ArgumentBinder.splitNamed($0) == nil }.count
    let openPositionals = spec.positionalArguments.filter { !named.contains($0.name) }
    let given = named.union(openPositionals.prefix(positionalCount).map(\.name))
    var candidates = matching(arguments.filter { !given.contains($0.name) }.map { "\($0.name)=" }, current)
    if positionalCount < openPositionals.count {
      candidates = values(of: openPositionals[positionalCount].kind, prefix: current, commands: commands) + candidates
    }
    return candidates
  }

  static func matching(_ options: [String], _ prefix: String) -> [String] {
    options.filter { $0.hasPrefix(prefix) }
  }

  static func values(of kind: ValueKind, prefix: String, commands: [CommandSpec]) -> [String] {
    switch kind {
    case .choice(let options): matching(options, prefix)
    case .commandName: matching(commands.map(\.name), prefix)
    case .path: paths(prefix)
    case .nameOrPath(let names): matching(names, prefix) + paths(prefix)
    case .real, .reals, .integer, .integers, .expression, .word: []
    }
  }

  /// Files and directories (with a trailing `/`) whose path starts with `prefix`;
  /// hidden ones only when the prefix names them.
  static func paths(_ prefix: String) -> [String] {
    let slash = prefix.lastIndex(of: "/")
    let directoryPart = slash.map { String(prefix[...$0]) } ?? ""
    let namePrefix = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
    let directory =
      directoryPart.isEmpty
      ? "." : (directoryPart.hasPrefix("~") ? NSString(string: directoryPart).expandingTildeInPath : directoryPart)
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    return entries.filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
      .map { name in
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
        return directoryPart + name + (isDirectory.boolValue ? "/" : "")
      }
  }
}
