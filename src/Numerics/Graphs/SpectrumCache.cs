using System.Collections.Concurrent;

namespace Pipelines.Numerics.Graphs;

/// <summary>
/// A thread-safe per-graph cache of spectra keyed by <see cref="CanonicalGraphHash"/> and the options, so repeated
/// epochs, folds and duplicate molecules decompose each graph once.
/// </summary>
public sealed class SpectrumCache
{
    private readonly ConcurrentDictionary<(UInt128 Hash, SpectrumOptions Options), Spectrum> _entries = new();
    private long _hits;
    private long _misses;

    /// <summary>Number of cached spectra.</summary>
    public int Count => _entries.Count;

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that computed a spectrum.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The cached spectrum for this graph and options, computing it on a miss.</summary>
    public Spectrum GetOrCompute(GraphStructure graph, SpectrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var key = (CanonicalGraphHash.Compute(graph), options);
        if (_entries.TryGetValue(key, out Spectrum? hit))
        {
            Interlocked.Increment(ref _hits);
            return hit;
        }

        Interlocked.Increment(ref _misses);
        return _entries.GetOrAdd(key, _ => LaplacianSpectrum.Compute(graph, options));
    }

    /// <summary>Removes every entry.</summary>
    public void Clear() => _entries.Clear();
}
