using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>A lazy view over <c>input</c> with one float-vector column computed from a graph column.</summary>
internal sealed class AppendedColumnDataView : IDataView
{
    private readonly IDataView _input;
    private readonly string _source;
    private readonly string _output;
    private readonly Func<Graph, float[]> _compute;

    public AppendedColumnDataView(IDataView input, DataViewSchema schema, string source, string output, Func<Graph, float[]> compute)
    {
        _input = input;
        Schema = schema;
        _source = source;
        _output = output;
        _compute = compute;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        bool wantOutput = needed.Any(c => c.Name == _output && c.Index == Schema[_output].Index);
        var inputCols = needed.Where(c => c.Name != _output || c.Index != Schema[_output].Index)
            .Select(c => _input.Schema[c.Name]).ToList();
        if (wantOutput && inputCols.All(c => c.Name != _source))
        {
            inputCols.Add(_input.Schema[_source]);
        }

        return new Cursor(this, _input.GetRowCursor(inputCols, rand), wantOutput);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var cursors = new DataViewRowCursor[1];
        cursors[0] = GetRowCursor(columnsNeeded, rand);
        return cursors;
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly AppendedColumnDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly bool _wantOutput;
        private readonly ValueGetter<Graph>? _graph;
        private long _cachedPosition = -1;
        private float[] _value = [];

        public Cursor(AppendedColumnDataView view, DataViewRowCursor input, bool wantOutput)
        {
            _view = view;
            _input = input;
            _wantOutput = wantOutput;
            _graph = wantOutput ? input.GetGetter<Graph>(input.Schema[view._source]) : null;
        }

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema => _view.Schema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Name == _view._output && column.Index == _view.Schema[_view._output].Index
                ? _wantOutput
                : _input.IsColumnActive(_input.Schema[column.Name]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Name == _view._output && column.Index == _view.Schema[_view._output].Index)
            {
                if (typeof(TValue) != typeof(VBuffer<float>))
                {
                    throw new InvalidOperationException($"Column '{column.Name}' is a float vector; asked for {typeof(TValue).Name}.");
                }

                ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> dst) =>
                {
                    if (_cachedPosition != _input.Position)
                    {
                        Graph g = null!;
                        _graph!(ref g);
                        _value = _view._compute(g);
                        _cachedPosition = _input.Position;
                    }

                    var editor = VBufferEditor.Create(ref dst, _value.Length);
                    _value.AsSpan().CopyTo(editor.Values);
                    dst = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)getter;
            }

            return _input.GetGetter<TValue>(_input.Schema[column.Name]);
        }

        public override bool MoveNext() => _input.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
