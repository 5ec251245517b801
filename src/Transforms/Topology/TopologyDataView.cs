using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// The source view plus one computed column (a fixed-length <c>float</c> vector). Features are computed lazily in
/// batches of rows, in parallel, by a read-ahead cursor over the input columns. With a
/// <see cref="TopologyFeatureCache"/>, each row is computed once per view: later passes read the cache, and a shuffled
/// cursor that misses first fills the cache with one sequential pass in parallel batches (without a cache, shuffled
/// cursors compute row by row).
/// </summary>
internal sealed class TopologyDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ITopologyRowMapper _mapper;
    private readonly TopologyFeatureCache? _cache;

    /// <param name="source">The input view.</param>
    /// <param name="mapper">The per-row computation.</param>
    /// <param name="cacheRows">Rows whose features are kept (0: none).</param>
    public TopologyDataView(IDataView source, ITopologyRowMapper mapper, int cacheRows = 0)
    {
        _source = source;
        _mapper = mapper;
        _cache = cacheRows > 0 ? new TopologyFeatureCache(cacheRows) : null;
        Schema = BuildSchema(source.Schema, mapper);
    }

    public bool CanShuffle => _source.CanShuffle;

    /// <summary>Gets the number of rows whose features are cached.</summary>
    internal int CachedRows => _cache?.Count ?? 0;

    public DataViewSchema Schema { get; }

    internal static DataViewSchema BuildSchema(DataViewSchema input, ITopologyRowMapper mapper)
    {
        CheckInput(input, mapper);
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        b.AddColumn(mapper.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, mapper.OutputLength));
        return b.ToSchema();
    }

    internal static void CheckInput(DataViewSchema input, ITopologyRowMapper mapper)
    {
        DataViewSchema.Column col = input.GetColumnOrNull(mapper.InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{mapper.InputColumnName}' not found.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n.RawType != typeof(float))
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{mapper.InputColumnName}': expected a vector of Single, got {col.Type}.");
        }

        if (mapper.NodeLabelColumnName is { } nl)
        {
            DataViewSchema.Column l = input.GetColumnOrNull(nl)
                ?? throw new ArgumentOutOfRangeException(nameof(input), $"Node-label column '{nl}' not found.");
            if (l.Type is not VectorDataViewType { ItemType: NumberDataViewType m } || m.RawType != typeof(float))
            {
                throw new ArgumentOutOfRangeException(nameof(input), $"Column '{nl}': expected a vector of Single (one label per node), got {l.Type}.");
            }
        }

        if (mapper.NodeCountColumnName is { } nc)
        {
            DataViewSchema.Column c = input.GetColumnOrNull(nc)
                ?? throw new ArgumentOutOfRangeException(nameof(input), $"Node-count column '{nc}' not found.");
            if (c.Type.RawType != typeof(float) && c.Type.RawType != typeof(int))
            {
                throw new ArgumentOutOfRangeException(nameof(input), $"Column '{nc}': expected Single or Int32, got {c.Type}.");
            }
        }
    }

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        int outIndex = Schema.Count - 1;
        bool wantOut = needed.Any(c => c.Index == outIndex);
        var sourceCols = needed.Where(c => c.Index < outIndex).Select(c => _source.Schema[c.Index]).ToList();
        if (wantOut)
        {
            sourceCols.AddRange(InputColumns(_source.Schema));
        }

        // The cursor takes ownership of both source cursors and disposes them.
#pragma warning disable CA2000
        DataViewRowCursor input = _source.GetRowCursor(sourceCols.Distinct(), rand);
        DataViewRowCursor? ahead = wantOut && rand is null ? _source.GetRowCursor(InputColumns(_source.Schema)) : null;
        return new Cursor(this, input, ahead, wantOut);
#pragma warning restore CA2000
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        // Ownership passes to the caller with the array.
#pragma warning disable CA2000
        return [GetRowCursor(columnsNeeded, rand)];
#pragma warning restore CA2000
    }

    /// <summary>One sequential pass over the source, featurising in parallel batches into the cache until it is full.</summary>
    private void FillCache()
    {
        using DataViewRowCursor cursor = _source.GetRowCursor(InputColumns(_source.Schema));
        Func<TopologyRow> read = RowReader(cursor, _mapper);
        ValueGetter<DataViewRowId> getId = cursor.GetIdGetter();
        var rows = new List<TopologyRow>(TopologyBatch.Size);
        var ids = new List<DataViewRowId>(TopologyBatch.Size);
        long first = 0;
        bool more = true;
        while (more && !_cache!.IsFull)
        {
            rows.Clear();
            ids.Clear();
            first = cursor.Position + 1;
            while (rows.Count < TopologyBatch.Size && (more = cursor.MoveNext()))
            {
                DataViewRowId id = default;
                getId(ref id);
                ids.Add(id);
                rows.Add(read());
            }

            float[][] features = TopologyBatch.Featurize(_mapper, rows, first);
            for (int i = 0; i < features.Length; i++)
            {
                _cache.Add(ids[i], features[i]);
            }
        }
    }

    private IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema s)
    {
        yield return s[_mapper.InputColumnName];
        if (_mapper.NodeCountColumnName is { } nc)
        {
            yield return s[nc];
        }

        if (_mapper.NodeLabelColumnName is { } nl)
        {
            yield return s[nl];
        }
    }

    /// <summary>The first <paramref name="maxRows"/> rows of <paramref name="input"/>'s input (and node-count) columns, for fitting.</summary>
    internal static IEnumerable<TopologyRow> ReadRows(IDataView input, ITopologyRowMapper mapper, int maxRows)
    {
        var cols = new List<DataViewSchema.Column> { input.Schema[mapper.InputColumnName] };
        if (mapper.NodeCountColumnName is { } nc)
        {
            cols.Add(input.Schema[nc]);
        }

        if (mapper.NodeLabelColumnName is { } nl)
        {
            cols.Add(input.Schema[nl]);
        }

        using DataViewRowCursor cursor = input.GetRowCursor(cols);
        Func<TopologyRow> read = RowReader(cursor, mapper);
        int count = 0;
        while (count < maxRows && cursor.MoveNext())
        {
            count++;
            yield return read();
        }
    }

    /// <summary>Reads the mapper's input columns from a row.</summary>
    internal static Func<TopologyRow> RowReader(DataViewRow row, ITopologyRowMapper mapper)
    {
        ValueGetter<VBuffer<float>> values = row.GetGetter<VBuffer<float>>(row.Schema[mapper.InputColumnName]);
        Func<int> count = () => 0;
        if (mapper.NodeCountColumnName is { } nc)
        {
            DataViewSchema.Column c = row.Schema[nc];
            if (c.Type.RawType == typeof(int))
            {
                ValueGetter<int> g = row.GetGetter<int>(c);
                count = () =>
                {
                    int v = 0;
                    g(ref v);
                    return v;
                };
            }
            else
            {
                ValueGetter<float> g = row.GetGetter<float>(c);
                count = () =>
                {
                    float v = 0;
                    g(ref v);
                    return (int)v;
                };
            }
        }

        Func<float[]?> labels = () => null;
        if (mapper.NodeLabelColumnName is { } nl)
        {
            ValueGetter<VBuffer<float>> g = row.GetGetter<VBuffer<float>>(row.Schema[nl]);
            labels = () =>
            {
                VBuffer<float> b = default;
                g(ref b);
                return b.DenseValues().ToArray();
            };
        }

        return () =>
        {
            VBuffer<float> buffer = default;
            values(ref buffer);
            return new TopologyRow(buffer.DenseValues().ToArray(), count(), labels());
        };
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly TopologyDataView _parent;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _ahead;
        private readonly Func<TopologyRow>? _readInput;
        private readonly Func<TopologyRow>? _readAhead;
        private readonly ValueGetter<DataViewRowId>? _id;
        private readonly ValueGetter<DataViewRowId>? _aheadId;
        private readonly int _length;
        private float[][] _batch = [];
        private long _batchStart = -1;
        private float[]? _single;
        private long _singlePosition = -1;

        public Cursor(TopologyDataView parent, DataViewRowCursor input, DataViewRowCursor? ahead, bool wantOut)
        {
            _parent = parent;
            _input = input;
            _ahead = ahead;
            _length = parent._mapper.OutputLength;
            if (wantOut)
            {
                _readInput = RowReader(input, parent._mapper);
                _readAhead = ahead is null ? null : RowReader(ahead, parent._mapper);
                if (parent._cache is not null)
                {
                    _id = input.GetIdGetter();
                    _aheadId = ahead?.GetIdGetter();
                }
            }
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index == _parent.Schema.Count - 1 ? _readInput is not null : _input.IsColumnActive(_input.Schema[column.Index]);

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _parent.Schema.Count - 1)
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            if (typeof(TValue) != typeof(VBuffer<float>))
            {
                throw new InvalidOperationException($"Column '{column.Name}' is a vector of Single; requested {typeof(TValue)}.");
            }

            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
            {
                float[] features = Current();
                var editor = VBufferEditor.Create(ref value, _length);
                features.CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        private float[] Current()
        {
            long p = _input.Position;
            TopologyFeatureCache? cache = _parent._cache;
            DataViewRowId id = default;
            if (cache is not null)
            {
                _id!(ref id);
                if (cache.TryGet(id, out float[] cached))
                {
                    return cached;
                }
            }

            if (_readAhead is null || _ahead is null)
            {
                if (_singlePosition != p)
                {
                    if (cache is not null)
                    {
                        // A shuffled pass: fill the cache once in parallel batches rather than row by row.
                        cache.FillOnce(_parent.FillCache);
                        if (cache.TryGet(id, out float[] filled))
                        {
                            return filled;
                        }
                    }

                    _single = TopologyBatch.FeaturizeRow(_parent._mapper, _readInput!(), p);
                    _singlePosition = p;
                    cache?.Add(id, _single);
                }

                return _single!;
            }

            if (p < _batchStart || p >= _batchStart + _batch.Length)
            {
                FillBatch(p);
            }

            return _batch[p - _batchStart];
        }

        private void FillBatch(long p)
        {
            while (_ahead!.Position < p)
            {
                if (!_ahead.MoveNext())
                {
                    throw new InvalidOperationException("The read-ahead cursor ended before the main cursor.");
                }
            }

            var rows = new List<TopologyRow>(TopologyBatch.Size);
            var ids = new List<DataViewRowId>(TopologyBatch.Size);
            do
            {
                if (_aheadId is not null)
                {
                    DataViewRowId id = default;
                    _aheadId(ref id);
                    ids.Add(id);
                }

                rows.Add(_readAhead!());
            }
            while (rows.Count < TopologyBatch.Size && _ahead.MoveNext());

            _batch = TopologyBatch.Featurize(_parent._mapper, rows, p);
            _batchStart = p;
            for (int i = 0; i < ids.Count; i++)
            {
                _parent._cache!.Add(ids[i], _batch[i]);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _ahead?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
