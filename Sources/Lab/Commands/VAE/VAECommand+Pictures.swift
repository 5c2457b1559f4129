import NeuralNet

/// How `vae` commands show examples and decodes: images, or tables of values, and SVG.
extension VAECommand {
  /// Images side by side (or a table of values for data that are not images),
  /// and their figure: the images in a grid, or for points in the plane a
  /// scatter whose series `series` names (by item index), which `svg=` writes.
  /// Other data have no figure, and svg= is refused rather than ignored.
  static func pictures(
    _ items: [(String, [Float])], workbench: VAEWorkbench, session: inout Session, svg: String?, title: String,
    series: (Int) -> String
  ) throws(LabError) -> Output {
    let data = workbench.data
    let figure: Figure?
    if let size = data.imageSize {
      figure = Figure(
        title: title,
        drawing: { Pictures.images(items, size: size, for: $0) },
        svg: { SVGImages.render(items, width: size.width, height: size.height, columns: 8, title: title) })
    } else if data.dimension == 2 {
      var names: [String] = []
      for index in items.indices where !names.contains(series(index)) { names.append(series(index)) }
      // The held-out data behind the points, so that they are seen where the data are.
      let background = stride(from: 0, to: data.heldOutCount, by: max(1, data.heldOutCount / 500)).map {
        (Double(data.heldOut[2 * $0]), Double(data.heldOut[2 * $0 + 1]))
      }
      let plot = LinePlot(
        series: [
          LinePlot.Series(name: "held-out data", marker: "0", points: background, isCurve: false, isBackground: true)
        ]
          + names.enumerated().map { number, name in
            LinePlot.Series(
              name: name, marker: Character(String(number + 1)),
              points: items.indices.filter { series($0) == name }.map {
                (Double(items[$0].1[0]), Double(items[$0].1[1]))
              }, isCurve: false)
          }, xLabel: "x0", yLabel: "x1", logX: false, logY: false)
      // The table has the points' values; the scatter is shown where images are.
      figure = Figure(title: title, drawing: nil, svg: { plot.svg(title: title) })
    } else {
      figure = nil
    }
    if let svg {
      guard let figure else {
        throw LabError(
          "svg= draws images or points in the plane, and \(data.name) has \(data.dimension) values per example; leave svg= out"
        )
      }
      try session.files.write(figure.svg(), to: svg)
    }
    return Output(
      Pictures(items: items.map { Pictures.Item(label: $0.0, values: $0.1) }, figure: figure, svg: svg))
  }

  /// Examples or decodes: as images when the data are images (four a row, or
  /// as many as fit the terminal), else as a table of their values.
  struct Pictures: BlockResult {
    struct Item: Encodable {
      var label: String
      var values: [Float]
    }
    var items: [Item]
    /// The images, or the scatter of points in the plane; nil for other data.
    var figure: Figure?
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case items }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      var blocks: [ResultBlock] = []
      if figure?.drawing == nil {
        let dimension = items.first?.values.count ?? 0
        var table = TextTable([("", .left)] + (0..<dimension).map { ("x\($0)", .right) })
        for item in items {
          table.append([item.label] + item.values.map { NumberFormat.fixed(Double($0), presentation.precision) })
        }
        blocks.append(.table(table))
      }
      if let figure { blocks.append(.figure(figure)) }
      if let svg { blocks.append(.text("wrote \(svg)")) }
      return blocks
    }

    /// The images, as many a row as fit the terminal (four without a width).
    static func images(_ items: [(String, [Float])], size: (width: Int, height: Int), for presentation: Presentation)
      -> String
    {
      let cell = (presentation.colour ? size.width : 2 * size.width) + 2
      let perRow = presentation.width.map { max(1, ($0 + 2) / cell) } ?? 4
      var rows: [String] = []
      for start in stride(from: 0, to: items.count, by: perRow) {
        let chunk = items[start..<min(start + perRow, items.count)]
        rows.append(
          TerminalImage.row(
            chunk.map { item in
              (
                item.0,
                TerminalImage.lines(item.1, width: size.width, height: size.height, colour: presentation.colour),
                cell - 2
              )
            }))
      }
      return rows.joined(separator: "\n")
    }
  }
}
