import Synchronization

/// A value several threads of a test share (a reader thread's output, a flag the loop sets):
/// every access holds the lock, so it is Sendable without any unchecked promise.
package final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) { mutex = Mutex(value) }

    /// The current value.
    package var value: Value { mutex.withLock { $0 } }

    /// Replaces the value.
    package func set(_ value: Value) { mutex.withLock { $0 = value } }

    /// Reads and changes the value under the lock.
    @discardableResult
    package func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T {
        mutex.withLock { body(&$0) }
    }
}
