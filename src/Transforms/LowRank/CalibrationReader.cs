using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Transforms.LowRank;

/// <summary>Reads EVA calibration batches from an <see cref="IDataView"/> whose columns are named like the ONNX inputs.</summary>
internal static class CalibrationReader
{
    /// <summary>
    /// Groups rows into batches of <paramref name="batchSize"/>; each named column must be a known-size vector of Int64 or
    /// Single and becomes a [rows, size] tensor. An int64 column named <c>attention_mask</c> marks padding.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or has an unsupported type; the message names it.</exception>
    public static List<TensorBatch> Read(IDataView data, IReadOnlyList<string> columns, int batchSize)
    {
        var cols = new List<DataViewSchema.Column>();
        foreach (string name in columns)
        {
            DataViewSchema.Column c = data.Schema.GetColumnOrNull(name)
                ?? throw new ArgumentException($"Calibration data has no column '{name}' (it has {string.Join(", ", data.Schema.Select(s => s.Name))}).", nameof(data));
            if (c.Type is not VectorDataViewType { IsKnownSize: true } v || (v.ItemType != NumberDataViewType.Int64 && v.ItemType != NumberDataViewType.Single))
            {
                throw new ArgumentException($"Calibration column '{name}' is {c.Type}; expected a known-size vector of Int64 or Single.", nameof(data));
            }

            cols.Add(c);
        }

        var batches = new List<TensorBatch>();
        var longs = cols.Select(_ => new List<long>()).ToList();
        var floats = cols.Select(_ => new List<float>()).ToList();
        int rows = 0;
        using DataViewRowCursor cursor = data.GetRowCursor(cols);
        var longGetters = cols.Select(c => ((VectorDataViewType)c.Type).ItemType == NumberDataViewType.Int64 ? cursor.GetGetter<VBuffer<long>>(c) : null).ToList();
        var floatGetters = cols.Select(c => ((VectorDataViewType)c.Type).ItemType == NumberDataViewType.Single ? cursor.GetGetter<VBuffer<float>>(c) : null).ToList();
        VBuffer<long> lb = default;
        VBuffer<float> fb = default;
        while (cursor.MoveNext())
        {
            for (int i = 0; i < cols.Count; i++)
            {
                if (longGetters[i] is { } lg)
                {
                    lg(ref lb);
                    longs[i].AddRange(lb.DenseValues());
                }
                else
                {
                    floatGetters[i]!(ref fb);
                    floats[i].AddRange(fb.DenseValues());
                }
            }

            if (++rows == batchSize)
            {
                batches.Add(Flush(cols, longs, floats, rows));
                rows = 0;
            }
        }

        if (rows > 0)
        {
            batches.Add(Flush(cols, longs, floats, rows));
        }

        return batches;
    }

    private static TensorBatch Flush(List<DataViewSchema.Column> cols, List<List<long>> longs, List<List<float>> floats, int rows)
    {
        var batch = new TensorBatch();
        for (int i = 0; i < cols.Count; i++)
        {
            int size = ((VectorDataViewType)cols[i].Type).Size;
            long[] shape = [rows, size];
            if (longs[i].Count > 0)
            {
                batch.Add(cols[i].Name, longs[i].ToArray(), shape);
                longs[i].Clear();
            }
            else
            {
                batch.Add(cols[i].Name, floats[i].ToArray(), shape);
                floats[i].Clear();
            }
        }

        return batch;
    }
}
