namespace Pipelines.Transforms.Topology;

/// <summary>Parallel featurising of a batch of rows, shared by the data view and the direct (in-memory) path.</summary>
internal static class TopologyBatch
{
    /// <summary>Rows featurised together in parallel.</summary>
    public const int Size = 64;

    /// <summary>
    /// Features of <paramref name="rows"/> (row i at position <paramref name="firstPosition"/> + i), computed in
    /// parallel; a failure is rethrown for the first failing row in row order, not in completion order.
    /// </summary>
    public static float[][] Featurize(ITopologyRowMapper mapper, IReadOnlyList<TopologyRow> rows, long firstPosition)
    {
        var batch = new float[rows.Count][];
        var errors = new Exception?[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            try
            {
                batch[i] = FeaturizeRow(mapper, rows[i], firstPosition + i);
            }
            catch (InvalidOperationException e)
            {
                errors[i] = e;
            }
        });

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return batch;
    }

    /// <summary>Features of one row; a bad row becomes an <see cref="InvalidOperationException"/> naming column and row (a negative position: unknown, not named).</summary>
    public static float[] FeaturizeRow(ITopologyRowMapper mapper, TopologyRow row, long position)
    {
        var features = new float[mapper.OutputLength];
        try
        {
            mapper.Featurize(row, features);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            string where = position >= 0 ? $", row {position}" : "";
            throw new InvalidOperationException($"Topology features of column '{mapper.InputColumnName}'{where}: {e.Message}", e);
        }

        return features;
    }
}
