/// Draws `rows` standard normal vectors of `dimension` components in batches,
/// row-major (row i's components are consecutive), and hands each batch to `body`.
///
/// This is the one loop behind every sampler in vaelab: it reuses one buffer, so
/// memory stays constant however many rows are drawn, and asks `shouldStop`
/// between batches, throwing `Interrupted` when it answers true.
public enum NormalBatches {
  /// About 64 KiB of doubles per batch: large enough to amortise the calls,
  /// small enough to stay in the L2 cache.
  static let batchElements = 8192

  public static func forEach(
    rows: Int, dimension: Int, using generator: inout Xoshiro256StarStar,
    shouldStop: () -> Bool = { false },
    _ body: (_ batch: UnsafeMutableBufferPointer<Double>, _ rowCount: Int) -> Void
  ) throws(Interrupted) {
    let rowsPerBatch = max(1, batchElements / max(dimension, 1))
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: rowsPerBatch * dimension)
    defer { buffer.deallocate() }
    var done = 0
    while done < rows {
      if shouldStop() { throw Interrupted() }
      let rowCount = min(rowsPerBatch, rows - done)
      let batch = UnsafeMutableBufferPointer(rebasing: buffer[0..<(rowCount * dimension)])
      NormalSampler.fill(batch, using: &generator)
      body(batch, rowCount)
      done += rowCount
    }
  }
}
