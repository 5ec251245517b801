using Google.Protobuf;
using P = global::Onnx;

namespace Pipelines.Onnx;

/// <summary>
/// The one place that knows the protobuf classes (OnnxSharp's generated onnx.proto3 types): converts between them
/// and <see cref="OnnxModel"/>. Swapping the protobuf library means rewriting this file only.
/// </summary>
internal static partial class ProtoCodec
{
    public static OnnxModel Decode(P.ModelProto proto, string baseDirectory, string source)
    {
        var model = new OnnxModel(DecodeGraph(proto.Graph, baseDirectory, source))
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            Domain = proto.Domain,
            ModelVersion = proto.ModelVersion,
            DocString = proto.DocString,
        };
        foreach (P.OperatorSetIdProto o in proto.OpsetImport)
        {
            model.OpsetImports.Add(new OpsetImport(o.Domain, o.Version));
        }

        foreach (P.StringStringEntryProto kv in proto.MetadataProps)
        {
            model.Metadata.Add(new(kv.Key, kv.Value));
        }

        if (proto.Functions.Count > 0)
        {
            throw new OnnxFormatException($"'{source}' defines {proto.Functions.Count} model-local functions, which Pipelines does not read.");
        }

        return model;
    }

    /// <summary>Encodes <paramref name="model"/>; without <paramref name="topInitializers"/> the main graph's initializers are left out (subgraphs keep theirs).</summary>
    public static P.ModelProto Encode(OnnxModel model, ExternalDataWriter? external, bool topInitializers = true)
    {
        var proto = new P.ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            Domain = model.Domain,
            ModelVersion = model.ModelVersion,
            DocString = model.DocString,
            Graph = EncodeGraph(model.Graph, external, topInitializers),
        };
        foreach (OpsetImport o in model.OpsetImports)
        {
            proto.OpsetImport.Add(new P.OperatorSetIdProto { Domain = o.Domain, Version = o.Version });
        }

        foreach (KeyValuePair<string, string> kv in model.Metadata)
        {
            proto.MetadataProps.Add(new P.StringStringEntryProto { Key = kv.Key, Value = kv.Value });
        }

        return proto;
    }

    private static OnnxGraph DecodeGraph(P.GraphProto g, string baseDirectory, string source)
    {
        var graph = new OnnxGraph { Name = g.Name, DocString = g.DocString };
        if (g.SparseInitializer.Count > 0)
        {
            throw new OnnxFormatException($"'{source}': graph '{g.Name}' has sparse initializers, which Pipelines does not read.");
        }

        foreach (P.TensorProto t in g.Initializer)
        {
            graph.Initializers.Add(DecodeTensor(t, baseDirectory, source));
        }

        foreach (P.ValueInfoProto v in g.Input)
        {
            graph.Inputs.Add(DecodeValueInfo(v, source));
        }

        foreach (P.ValueInfoProto v in g.Output)
        {
            graph.Outputs.Add(DecodeValueInfo(v, source));
        }

        foreach (P.ValueInfoProto v in g.ValueInfo)
        {
            graph.ValueInfos.Add(DecodeValueInfo(v, source));
        }

        foreach (P.NodeProto n in g.Node)
        {
            var node = new OnnxNode(
                string.IsNullOrEmpty(n.OpType) ? throw new OnnxFormatException($"'{source}': node '{n.Name}' has no op_type.") : n.OpType,
                n.Input,
                n.Output,
                n.Name,
                n.Domain == "ai.onnx" ? "" : n.Domain)
            { DocString = n.DocString };
            foreach (P.AttributeProto a in n.Attribute)
            {
                node.Attributes.Add(DecodeAttribute(a, node, baseDirectory, source));
            }

            graph.Nodes.Add(node);
        }

        return graph;
    }

    private static P.GraphProto EncodeGraph(OnnxGraph graph, ExternalDataWriter? external, bool initializers = true)
    {
        var g = new P.GraphProto { Name = graph.Name, DocString = graph.DocString };
        foreach (OnnxNode node in graph.Nodes)
        {
            var n = new P.NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain, DocString = node.DocString };
            n.Input.AddRange(node.Inputs);
            n.Output.AddRange(node.Outputs);
            foreach (OnnxAttribute a in node.Attributes)
            {
                n.Attribute.Add(EncodeAttribute(a));
            }

            g.Node.Add(n);
        }

        foreach (OnnxTensor t in initializers ? graph.Initializers : [])
        {
            g.Initializer.Add(EncodeTensor(t, external));
        }

        g.Input.AddRange(graph.Inputs.Select(EncodeValueInfo));
        g.Output.AddRange(graph.Outputs.Select(EncodeValueInfo));
        g.ValueInfo.AddRange(graph.ValueInfos.Select(EncodeValueInfo));
        return g;
    }

    private static ValueInfo DecodeValueInfo(P.ValueInfoProto v, string source)
    {
        TensorType? type = null;
        if (v.Type is { } tp)
        {
            if (tp.ValueCase != P.TypeProto.ValueOneofCase.TensorType)
            {
                throw new OnnxFormatException($"'{source}': value '{v.Name}' has type {tp.ValueCase}; only tensor values are supported.");
            }

            P.TypeProto.Types.Tensor tensor = tp.TensorType;
            IReadOnlyList<Dim>? shape = tensor.Shape?.Dim.Select(d => d.ValueCase switch
            {
                P.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new Dim(d.DimValue, null),
                P.TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new Dim(null, d.DimParam),
                _ => Dim.Unknown,
            }).ToArray();
            type = new TensorType((TensorElementType)tensor.ElemType, shape);
        }

        return new ValueInfo(v.Name, type, v.DocString);
    }

    private static P.ValueInfoProto EncodeValueInfo(ValueInfo v)
    {
        var proto = new P.ValueInfoProto { Name = v.Name, DocString = v.DocString };
        if (v.Type is { } type)
        {
            var tensor = new P.TypeProto.Types.Tensor { ElemType = (int)type.ElementType };
            if (type.Shape is not null)
            {
                tensor.Shape = new P.TensorShapeProto();
                foreach (Dim d in type.Shape)
                {
                    var dim = new P.TensorShapeProto.Types.Dimension();
                    if (d.Value is long value)
                    {
                        dim.DimValue = value;
                    }
                    else if (d.Param is string param)
                    {
                        dim.DimParam = param;
                    }

                    tensor.Shape.Dim.Add(dim);
                }
            }

            proto.Type = new P.TypeProto { TensorType = tensor };
        }

        return proto;
    }

    private static OnnxAttribute DecodeAttribute(P.AttributeProto a, OnnxNode node, string baseDirectory, string source)
    {
        if (string.IsNullOrEmpty(a.Name))
        {
            throw new OnnxFormatException($"'{source}': node {node.Describe()} has an attribute with no name.");
        }

        OnnxAttribute attr = a.Type switch
        {
            P.AttributeProto.Types.AttributeType.Float => OnnxAttribute.Float(a.Name, a.F),
            P.AttributeProto.Types.AttributeType.Int => OnnxAttribute.Int(a.Name, a.I),
            P.AttributeProto.Types.AttributeType.String => OnnxAttribute.Bytes(a.Name, a.S.ToByteArray()),
            P.AttributeProto.Types.AttributeType.Tensor => OnnxAttribute.Tensor(a.Name, DecodeTensor(a.T ?? throw MissingValue(a, node, "t", source), baseDirectory, source)),
            P.AttributeProto.Types.AttributeType.Graph => OnnxAttribute.Graph(a.Name, DecodeGraph(a.G ?? throw MissingValue(a, node, "g", source), baseDirectory, source)),
            P.AttributeProto.Types.AttributeType.Floats => OnnxAttribute.FloatList(a.Name, a.Floats.ToArray()),
            P.AttributeProto.Types.AttributeType.Ints => OnnxAttribute.IntList(a.Name, a.Ints.ToArray()),
            P.AttributeProto.Types.AttributeType.Strings => OnnxAttribute.StringList(a.Name, a.Strings.Select(s => s.ToByteArray()).ToArray()),
            P.AttributeProto.Types.AttributeType.Tensors => OnnxAttribute.TensorList(a.Name, a.Tensors.Select(t => DecodeTensor(t, baseDirectory, source)).ToArray()),
            P.AttributeProto.Types.AttributeType.Graphs => OnnxAttribute.GraphList(a.Name, a.Graphs.Select(g => DecodeGraph(g, baseDirectory, source)).ToArray()),
            _ => throw new OnnxFormatException($"'{source}': attribute '{a.Name}' of node {node.Describe()} has unsupported type {a.Type}."),
        };
        attr.RefAttrName = a.RefAttrName;
        attr.DocString = a.DocString;
        return attr;
    }

    private static OnnxFormatException MissingValue(P.AttributeProto a, OnnxNode node, string field, string source) =>
        new($"'{source}': attribute '{a.Name}' of node {node.Describe()} has type {a.Type} but no '{field}' value.");

    private static P.AttributeProto EncodeAttribute(OnnxAttribute a)
    {
        var p = new P.AttributeProto { Name = a.Name, Type = (P.AttributeProto.Types.AttributeType)(int)a.Kind, RefAttrName = a.RefAttrName, DocString = a.DocString };
        switch (a.Kind)
        {
            case AttributeKind.Float: p.F = a.F; break;
            case AttributeKind.Int: p.I = a.I; break;
            case AttributeKind.String: p.S = ByteString.CopyFrom(a.S); break;
            case AttributeKind.Tensor: p.T = EncodeTensor(a.T!, null); break;
            case AttributeKind.Graph: p.G = EncodeGraph(a.G!, null); break;
            case AttributeKind.Floats: p.Floats.AddRange(a.Floats); break;
            case AttributeKind.Ints: p.Ints.AddRange(a.Ints); break;
            case AttributeKind.Strings: p.Strings.AddRange(a.Strings.Select(ByteString.CopyFrom)); break;
            case AttributeKind.Tensors: p.Tensors.AddRange(a.Tensors.Select(t => EncodeTensor(t, null))); break;
            case AttributeKind.Graphs: p.Graphs.AddRange(a.Graphs.Select(g => EncodeGraph(g, null))); break;
            default: throw new InvalidOperationException($"Attribute kind {a.Kind} cannot be encoded.");
        }

        return p;
    }
}
