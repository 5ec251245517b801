using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.MLNet;

/// <summary>
/// A data view with a schema and no rows: what an ML.NET chain of stateless transforms is fitted on when only the input
/// schema is known (ML.NET's own <c>EmptyDataView</c> is internal).
/// </summary>
internal sealed class EmptyDataView : IDataView
{
    public EmptyDataView(DataViewSchema schema) => Schema = schema;

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        // Ownership passes to the caller with the array.
#pragma warning disable CA2000
        return [GetRowCursor(columnsNeeded, rand)];
#pragma warning restore CA2000
    }

    /// <summary>A schema of the given columns, in order.</summary>
    public static DataViewSchema SchemaOf(params (string Name, DataViewType Type)[] columns)
    {
        var b = new DataViewSchema.Builder();
        foreach ((string name, DataViewType type) in columns)
        {
            b.AddColumn(name, type);
        }

        return b.ToSchema();
    }

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            (ref TValue value) => throw new InvalidOperationException("The empty data view has no rows.");

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => throw new InvalidOperationException("The empty data view has no rows.");
    }
}
