using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Builds <see cref="SchemaShape.Column"/> values. Its constructor is internal in ML.NET 5.0.1 (dotnet/machinelearning#4911),
/// so it is reached by reflection once; <c>TopologyTransformerTests.Estimator_GetOutputSchema_AddsFixedLengthVector</c>
/// fails if ML.NET changes that constructor.
/// </summary>
internal static class SchemaShapes
{
    private static readonly ConstructorInfo s_columnCtor = typeof(SchemaShape.Column)
        .GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        .Single(c => c.GetParameters().Length == 5);

    public static SchemaShape.Column FloatVector(string name) =>
        (SchemaShape.Column)s_columnCtor.Invoke([name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, null]);

    /// <summary>The shape of a concrete schema (what ML.NET's internal <c>SchemaShape.Create</c> does, without annotations).</summary>
    public static SchemaShape FromSchema(DataViewSchema schema) =>
        new(schema.Where(c => !c.IsHidden).Select(c =>
        {
            (SchemaShape.Column.VectorKind kind, DataViewType item) = c.Type switch
            {
                VectorDataViewType { IsKnownSize: true } v => (SchemaShape.Column.VectorKind.Vector, v.ItemType),
                VectorDataViewType v => (SchemaShape.Column.VectorKind.VariableVector, v.ItemType),
                _ => (SchemaShape.Column.VectorKind.Scalar, c.Type),
            };
            return (SchemaShape.Column)s_columnCtor.Invoke([c.Name, kind, item, item is KeyDataViewType, null]);
        }));

    /// <summary>Checks the input column shape of a topology estimator and appends the output column.</summary>
    public static SchemaShape Append(SchemaShape input, string inputColumn, string? nodeCountColumn, string outputColumn)
    {
        SchemaShape.Column col = input.FirstOrDefault(c => c.Name == inputColumn);
        if (col.Name is null)
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{inputColumn}' not found.");
        }

        if (col.Kind == SchemaShape.Column.VectorKind.Scalar || col.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{inputColumn}': expected a vector of Single, got {col.Kind} of {col.ItemType}.");
        }

        if (nodeCountColumn is not null && !input.Any(c => c.Name == nodeCountColumn))
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"Node-count column '{nodeCountColumn}' not found.");
        }

        var cols = input.Where(c => c.Name != outputColumn).ToList();
        cols.Add(FloatVector(outputColumn));
        return new SchemaShape(cols);
    }
}
