/// Writes a stream of frames to a file as they complete, each reaching the file before `write`
/// returns, so a player can open the file while it grows.
public protocol MediaFileWriter: AnyObject {
    var path: String { get }
    var codec: MediaCodec { get }
    /// Appends one frame (in the byte format `MediaFrame` documents).
    /// - Throws: `MediaFileError` when the write fails.
    func write(_ frame: MediaFrame) throws(MediaFileError)
    /// Finishes the file (final header fields) and closes it.
    func close() throws(MediaFileError)
}

/// Reads a file's frames in order, each with its duration, so a source can pace them.
public protocol MediaFileReader: AnyObject {
    var path: String { get }
    var codec: MediaCodec { get }
    /// The next frame: `rtpTimestamp` counts from 0 at the first frame, in the codec's clock;
    /// `duration` is set. Nil at end of file.
    /// - Throws: `MediaFileError` when the file is unreadable or malformed.
    func nextFrame() throws(MediaFileError) -> MediaFrame?
    /// Starts again at the first frame.
    func rewind() throws(MediaFileError)
}

