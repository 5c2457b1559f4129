import NeuralNet

/// Where `vae` commands get their examples: the built-in data sets, data files, and the held-out set.
extension VAECommand {
  /// The data sets `vae new` makes on the spot, by name.
  static let builtInData = ["shapes", "pinwheel"]
  /// Each built-in data set, made once per process when first used (`shapes`
  /// draws 16 million supersamples), then shared by every `vae new` and `vae load`.
  static let shapes = BuiltInData.shapes()
  static let pinwheel = BuiltInData.pinwheel()

  /// A built-in data set by name, or a data file by path (its name is the path).
  static func openData(_ name: String, label: String?, session: Session) throws(LabError) -> Dataset {
    switch name {
    case "shapes": return shapes
    case "pinwheel": return pinwheel
    default:
      let table = try loadTable(name, label: label, session: session)
      let count = table.rows.count / table.dimension
      guard count >= 2 else {
        throw LabError("\(name): it holds \(count) example; a training and a held-out set need at least 2")
      }
      return Dataset(
        name: name, dimension: table.dimension, rows: table.rows, heldOutFraction: 0.1, seed: 1,
        imageSize: table.imageSize,
        factors: table.labels.map { [ExampleFactor.Column(name: "label", labels: $0)] } ?? [])
    }
  }

  /// The rows of a data file (NPY, CSV, IDX), through the session's file access.
  static func loadTable(_ path: String, label: String?, session: Session) throws(LabError) -> DataLoader.Table {
    let bytes = try session.files.readBytes(path, shouldStop: session.shouldStop)
    do throws(DataFileError) {
      return try DataLoader.load(path, bytes: bytes, labelColumn: label, shouldStop: session.shouldStop)
    } catch {
      throw error.isInterrupted ? .interrupted : LabError(error.description)
    }
  }

  /// `data=` and `label=`, for commands that work on held-out examples or on
  /// the rows of a user's file.
  struct DataFileArguments: CommandArguments {
    @Named(
      .path,
      help:
        "use the rows of this file instead of the held-out set (NPY, CSV, IDX, as vae new; as wide as the model's input)"
    )
    var data: String?
    @Named(.word("a CSV column name or 0-based index"), help: "a CSV column of data= to leave out") var label: String?

    static let rules = ["label= names a column of data=, so only with data="]

    func validate() throws(LabError) {
      if data == nil && label != nil {
        throw LabError("label= names a column of data=; give data= too", argument: "label")
      }
    }
  }

  /// The rows a command works on, row-major, and how to name them: the
  /// held-out set, or the rows of a data file (`data=`, with `label=`) checked
  /// against the model.
  static func exampleRows(_ file: DataFileArguments, workbench: VAEWorkbench, session: Session) throws(LabError) -> (
    [Float], String
  ) {
    guard let path = file.data else { return (workbench.data.heldOut, "the held-out set") }
    let table = try loadTable(path, label: file.label, session: session)
    let c = workbench.configuration
    guard table.dimension == c.inputs else {
      throw LabError("\(path) has \(table.dimension) values per row, but the model takes \(c.inputs)", argument: "data")
    }
    if c.likelihood == .bernoulli && !table.rows.allSatisfy({ $0 >= 0 && $0 <= 1 }) {
      throw LabError(
        "\(path) has values outside [0, 1], which the model's bernoulli likelihood cannot score", argument: "data")
    }
    return (table.rows, path)
  }

  static func heldOutRows(_ workbench: VAEWorkbench, _ indexes: [Int]) throws(LabError) -> [Float] {
    let (d, count) = (workbench.data.dimension, workbench.data.heldOutCount)
    var rows: [Float] = []
    for index in indexes {
      guard index >= 0 && index < count else {
        throw LabError("example \(index) does not exist: the held-out set has examples 0 to \(count - 1)")
      }
      rows += workbench.data.heldOut[(index * d)..<((index + 1) * d)]
    }
    return rows
  }
}
