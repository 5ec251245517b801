using System.Collections.Concurrent;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Features already computed by one <see cref="TopologyDataView"/>, keyed by the source row's ML.NET row id (the same
/// row has the same id in every cursor of a view, shuffled or not), for at most a fixed number of rows. An iterative
/// trainer's later passes read features from here instead of recomputing the persistent homology.
/// </summary>
internal sealed class TopologyFeatureCache
{
    private readonly ConcurrentDictionary<DataViewRowId, float[]> _rows = new();
    private readonly int _capacity;
    private readonly Lock _fill = new();
    private bool _filled;

    public TopologyFeatureCache(int capacity) => _capacity = capacity;

    /// <summary>Gets the number of cached rows.</summary>
    public int Count => _rows.Count;

    /// <summary>Gets whether no more rows fit.</summary>
    public bool IsFull => _rows.Count >= _capacity;

    public bool TryGet(DataViewRowId id, out float[] features) => _rows.TryGetValue(id, out features!);

    /// <summary>Keeps <paramref name="features"/> of row <paramref name="id"/> while there is room.</summary>
    public void Add(DataViewRowId id, float[] features)
    {
        if (_rows.Count < _capacity)
        {
            _rows.TryAdd(id, features);
        }
    }

    /// <summary>Runs <paramref name="fill"/> once (the first caller; others wait for it).</summary>
    public void FillOnce(Action fill)
    {
        lock (_fill)
        {
            if (!_filled)
            {
                fill();
                _filled = true;
            }
        }
    }
}
