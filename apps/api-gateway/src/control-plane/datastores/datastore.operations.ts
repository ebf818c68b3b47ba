import { Injectable } from '@nestjs/common';
import type { AwsOperationProvider, AwsOperationHandler } from '../aws-operation';
import { parseCommand } from '../parse-command';
import {
  createDatastoreCommand,
  deleteDatastoreCommand,
  describeDatastoreCommand,
  listDatastoresCommand,
  listTagsCommand,
  tagResourceCommand,
  untagResourceCommand,
} from './datastore.commands';
import { DatastoreService } from './datastore.service';

/** HealthLake datastore and tagging operations for the AWS JSON endpoint. */
@Injectable()
export class DatastoreOperations implements AwsOperationProvider {
  constructor(private readonly datastores: DatastoreService) {}

  operations(): Record<string, AwsOperationHandler> {
    return {
      CreateFHIRDatastore: async (input, { baseUrl }) => {
        const ds = await this.datastores.create(parseCommand(createDatastoreCommand, input), baseUrl);
        return { DatastoreId: ds.DatastoreId, DatastoreArn: ds.DatastoreArn, DatastoreStatus: ds.DatastoreStatus, DatastoreEndpoint: ds.DatastoreEndpoint };
      },
      DescribeFHIRDatastore: async (input, { baseUrl }) => ({
        DatastoreProperties: await this.datastores.describe(parseCommand(describeDatastoreCommand, input).DatastoreId, baseUrl),
      }),
      ListFHIRDatastores: async (input, { baseUrl }) => {
        const { items, nextToken } = await this.datastores.list(parseCommand(listDatastoresCommand, input), baseUrl);
        return { DatastorePropertiesList: items, NextToken: nextToken };
      },
      DeleteFHIRDatastore: async (input, { baseUrl }) => {
        const ds = await this.datastores.delete(parseCommand(deleteDatastoreCommand, input).DatastoreId, baseUrl);
        return { DatastoreId: ds.DatastoreId, DatastoreArn: ds.DatastoreArn, DatastoreStatus: ds.DatastoreStatus, DatastoreEndpoint: ds.DatastoreEndpoint };
      },
      TagResource: async (input) => {
        const command = parseCommand(tagResourceCommand, input);
        await this.datastores.tag(command.ResourceARN, command.Tags);
        return {};
      },
      UntagResource: async (input) => {
        const command = parseCommand(untagResourceCommand, input);
        await this.datastores.untag(command.ResourceARN, command.TagKeys);
        return {};
      },
      ListTagsForResource: async (input) => ({ Tags: await this.datastores.listTags(parseCommand(listTagsCommand, input).ResourceARN) }),
    };
  }
}
