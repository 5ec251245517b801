using Microsoft.ML;
using Pipelines.Trainers.MLNet;
using Xunit;

namespace Pipelines.Trainers.Tests.MLNet;

public class ColumnGettersTests
{
    private sealed class Row
    {
        public float F { get; set; }

        public int I { get; set; }

        public long L { get; set; }

        public bool B { get; set; }

        public string S { get; set; } = "";
    }

    private static List<int> ReadAll(IDataView data, string column)
    {
        DataViewSchema.Column c = data.Schema[column];
        using DataViewRowCursor cursor = data.GetRowCursor([c]);
        Func<int> get = ColumnGetters.ClassIndex(cursor, c);
        var values = new List<int>();
        while (cursor.MoveNext())
        {
            values.Add(get());
        }

        return values;
    }

    [Fact]
    public void ClassIndex_ReadsEverySupportedTypeAlike()
    {
        var ml = new MLContext(1);
        Row[] rows = [new() { F = 2, I = 2, L = 2, B = true }, new() { F = 0, I = 0, L = 0, B = false }, new() { F = 1, I = 1, L = 1, B = true }];
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        Assert.Equal([2, 0, 1], ReadAll(data, "F"));
        Assert.Equal([2, 0, 1], ReadAll(data, "I"));
        Assert.Equal([2, 0, 1], ReadAll(data, "L"));
        Assert.Equal([1, 0, 1], ReadAll(data, "B"));
        IDataView keyed = ml.Transforms.Conversion.MapValueToKey("K", "I").Fit(data).Transform(data);
        List<int> keys = ReadAll(keyed, "K");
        Assert.Equal(3, keys.Distinct().Count()); // keys are 0-based class indices in order of appearance
        Assert.Equal([0, 1, 2], keys);
    }

    [Fact]
    public void ClassIndex_FractionalOrNegativeLabel_NamesColumnAndRow_WrongTypeNamesColumn()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(new Row[] { new() { F = 1, I = 1 }, new() { F = 0.5f, I = -1 } });
        var frac = Assert.Throws<DataFormatException>(() => ReadAll(data, "F"));
        Assert.Contains("'F', row 1", frac.Message, StringComparison.Ordinal);
        var neg = Assert.Throws<DataFormatException>(() => ReadAll(data, "I"));
        Assert.Contains("'I', row 1: -1", neg.Message, StringComparison.Ordinal);
        var text = Assert.Throws<ArgumentOutOfRangeException>(() => ReadAll(data, "S"));
        Assert.Contains("'S'", text.Message, StringComparison.Ordinal);
    }
}
