// Compiled into every library's net8.0 build (build/Packaging.props): .NET 9's System.Threading.Lock, on a Monitor.
// The C# compiler lowers `lock (x)` over a System.Threading.Lock to x.EnterScope() … Dispose(), which this provides.
// Internal in each assembly, so InternalsVisibleTo between the libraries makes CS0436 (suppressed for net8.0 only).
#if !NET9_0_OR_GREATER
namespace System.Threading;

/// <summary>net8.0 stand-in for <c>System.Threading.Lock</c>.</summary>
internal sealed class Lock
{
    private readonly object _gate = new();

    /// <summary>Enters the lock; the returned scope exits it.</summary>
    public Scope EnterScope()
    {
        Monitor.Enter(_gate);
        return new Scope(_gate);
    }

    /// <summary>Enters the lock.</summary>
    public void Enter() => Monitor.Enter(_gate);

    /// <summary>Exits the lock.</summary>
    public void Exit() => Monitor.Exit(_gate);

    /// <summary>A held lock, released by <see cref="Dispose"/>.</summary>
    public readonly ref struct Scope
    {
        private readonly object _gate;

        internal Scope(object gate) => _gate = gate;

        /// <summary>Exits the lock.</summary>
        public void Dispose() => Monitor.Exit(_gate);
    }
}
#endif
