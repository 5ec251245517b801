using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Trainers.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;

namespace Pipelines.Trainers.Graphs.MLNet;

/// <summary>Checks and reads the graph and label columns of the GINE trainers.</summary>
internal static class GraphLabelReader
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the column when the schema does not fit.</summary>
    public static void Check(DataViewSchema schema, GineTrainerOptions options, GraphPredictionKind kind)
    {
        DataViewSchema.Column graph = schema.GetColumnOrNull(options.GraphColumnName)
            ?? throw Missing(options.GraphColumnName, "graph", schema.Select(c => c.Name));
        if (graph.Type is not GraphDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Graph column '{graph.Name}' has type {graph.Type}, expected Graph (GraphDataViewType).");
        }

        DataViewSchema.Column label = schema.GetColumnOrNull(options.LabelColumnName)
            ?? throw Missing(options.LabelColumnName, "label", schema.Select(c => c.Name));
        CheckLabel(label.Name, label.Type, kind);
    }

    /// <summary>The same checks on a schema shape (no data).</summary>
    public static void Check(SchemaShape schema, GineTrainerOptions options, GraphPredictionKind kind)
    {
        SchemaShape.Column graph = schema.FirstOrDefault(c => c.Name == options.GraphColumnName);
        if (graph.Name is null)
        {
            throw Missing(options.GraphColumnName, "graph", schema.Select(c => c.Name));
        }

        if (graph.ItemType is not GraphDataViewType || graph.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Graph column '{graph.Name}' has type {graph.Kind} of {graph.ItemType}, expected Graph (GraphDataViewType).");
        }

        SchemaShape.Column label = schema.FirstOrDefault(c => c.Name == options.LabelColumnName);
        if (label.Name is null)
        {
            throw Missing(options.LabelColumnName, "label", schema.Select(c => c.Name));
        }

        if (label.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{label.Name}' is a {label.Kind} of {label.ItemType}, expected a scalar {Expected(kind)}.");
        }

        CheckLabel(label.Name, label.IsKey ? new KeyDataViewType(typeof(uint), 2) : label.ItemType, kind);
    }

    /// <summary>Reads the graphs with their targets (value, or class index) and the output count.</summary>
    public static (List<Graph> Graphs, int Outputs) Read(IDataView data, GineTrainerOptions options, GraphPredictionKind kind)
    {
        DataViewSchema.Column graphCol = data.Schema[options.GraphColumnName];
        DataViewSchema.Column labelCol = data.Schema[options.LabelColumnName];
        int outputs = kind switch
        {
            GraphPredictionKind.Regression => 1,
            GraphPredictionKind.BinaryClassification => 2,
            _ => checked((int)((KeyDataViewType)labelCol.Type).Count),
        };

        var graphs = new List<Graph>();
        using DataViewRowCursor cursor = data.GetRowCursor([graphCol, labelCol]);
        ValueGetter<Graph> getGraph = cursor.GetGetter<Graph>(graphCol);
        Func<float> getLabel = LabelGetter(cursor, labelCol, kind);
        Graph graph = null!;
        while (cursor.MoveNext())
        {
            getGraph(ref graph);
            if (graph is null)
            {
                throw new InvalidDataException($"Row {cursor.Position}: graph column '{graphCol.Name}' is missing a value.");
            }

            float y = getLabel();
            if (float.IsNaN(y))
            {
                throw new InvalidDataException($"Row {cursor.Position}: label column '{labelCol.Name}' is missing (NaN or key 0).");
            }

            graphs.Add(graph.WithTarget(y));
        }

        return (graphs, outputs);
    }

    private static Func<float> LabelGetter(DataViewRowCursor cursor, DataViewSchema.Column label, GraphPredictionKind kind) => kind switch
    {
        GraphPredictionKind.Regression => ColumnGetters.Converted<float, float>(cursor, label, v => v),
        GraphPredictionKind.BinaryClassification => ColumnGetters.Converted<bool, float>(cursor, label, v => v ? 1f : 0f),
        _ => ColumnGetters.Converted<uint, float>(cursor, label, v => v == 0 ? float.NaN : v - 1),
    };

    private static void CheckLabel(string name, DataViewType type, GraphPredictionKind kind)
    {
        bool ok = kind switch
        {
            GraphPredictionKind.Regression => type == NumberDataViewType.Single,
            GraphPredictionKind.BinaryClassification => type == BooleanDataViewType.Instance,
            _ => type is KeyDataViewType { RawType: var raw } && raw == typeof(uint),
        };
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(nameof(type), $"Label column '{name}' has type {type}, expected {Expected(kind)}.");
        }
    }

    private static string Expected(GraphPredictionKind kind) => kind switch
    {
        GraphPredictionKind.Regression => "Single",
        GraphPredictionKind.BinaryClassification => "Boolean",
        _ => "a UInt32 key (MapValueToKey)",
    };

    private static ArgumentOutOfRangeException Missing(string name, string role, IEnumerable<string> columns) =>
        new("schema", $"The {role} column '{name}' is missing; columns are [{string.Join(", ", columns)}].");
}
